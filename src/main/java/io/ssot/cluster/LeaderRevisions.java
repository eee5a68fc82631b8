package io.ssot.cluster;

import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.ssot.store.MvccStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

/**
 * {@code ?consistency=leader}: the leader answers with its own revision; a follower asks the
 * leader's {@code GET /v1/cluster} with the caller's token (any valid token may read it) and takes
 * its {@code self.appliedRevision}, which is never below a write the leader has acknowledged.
 */
public final class LeaderRevisions {

  private final ClusterNode node;
  private final MvccStore store;
  private final HttpClient client;

  public LeaderRevisions(Vertx vertx, ClusterNode node, MvccStore store) {
    this.node = node;
    this.store = store;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
  }

  public Future<Long> revision(HttpServerRequest request, long timeoutMillis) {
    if (node.role() == Role.LEADER) {
      return Future.succeededFuture(store.revision());
    }
    String leader = node.leaderUrl();
    if (leader == null) {
      return Future.failedFuture(noLeader("no leader is known"));
    }
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(leader + "/v1/cluster")
        .setConnectTimeout(timeoutMillis).setIdleTimeout(timeoutMillis);
    String authorization = request.getHeader("Authorization");
    if (authorization != null) {
      options.putHeader("Authorization", authorization);
    }
    return client.request(options)
        .compose(req -> req.send())
        .compose(response -> response.body().map(body -> {
          if (response.statusCode() == 401 || response.statusCode() == 403) {
            // The caller's token, judged by the leader: its answer is the caller's.
            throw new ApiException(Problem.UNAUTHORIZED, "the leader refused the token asking its revision");
          }
          JsonObject self = response.statusCode() == 200 ? new JsonObject(body).getJsonObject("self") : null;
          if (self == null || !Role.LEADER.label().equals(self.getString("role"))) {
            throw noLeader("the node named leader (" + leader + ") answered " + response.statusCode()
                + (self == null ? "" : " as " + self.getString("role")));
          }
          return self.getLong("appliedRevision");
        }))
        .recover(e -> Future.failedFuture(e instanceof ApiException ? e : noLeader("the leader (" + leader
            + ") did not answer: " + e.getMessage())));
  }

  private static ApiException noLeader(String why) {
    return new ApiException(Problem.UNAVAILABLE, why + "; its revision is needed for consistency=leader")
        .header("Retry-After", "1");
  }
}
