package io.ssot.api;

import io.ssot.cluster.ClusterNode;
import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.http.ApiException;
import io.ssot.http.Tracing;
import io.ssot.protocol.Headers;
import io.ssot.protocol.Problem;
import io.ssot.security.AuthHandler;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import java.util.Set;

/**
 * Writes on any node (SPEC section 9): a follower sends each write request, as it came, to the
 * leader over HTTP/1.1 and answers the leader's answer once its own store holds the revision that
 * answer names, so that the caller reads its write on this node right after.
 *
 * <p>It runs after authentication and before the write routes, only in cluster mode, and only
 * while this node does not commit writes and knows a leader. Otherwise the request goes on to
 * its route and the door ({@code core.Writes}, through {@code ClusterNode}'s gate) stays the one
 * place that refuses: a leader that has just lost its lease, or a follower that knows no leader,
 * still answers 503 {@code not-leader} without committing anything. Forwarding sits at the route
 * level, not in the door, because the door sees a parsed write while the leader needs the
 * request itself (its body as sent, preconditions and credentials), and because the door's callers
 * must not wait on another server's answer under the store's order of writes.
 *
 * <p>A node whose store has diverged from PostgreSQL never forwards: it could not show the caller
 * the leader's revision. A forwarded request carries {@code X-SSOT-Forwarded}; such a request is never forwarded
 * again (two nodes that each name the other leader refuse instead of bouncing it).
 */
public final class WriteForwarding {

  static final String FORWARDED = "X-SSOT-Forwarded";
  /** Headers of one connection (RFC 9110 section 7.6.1), not of the request: never copied. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "te", "expect", "trailer", "upgrade", "host", "content-length", "http2-settings");

  private final Api api;
  private final ClusterNode node;
  private final HttpClient client;
  private final long maxBodyBytes;
  /** Longest silence from the leader (after the request is sent) before the forward fails. */
  private final long answerTimeoutMillis;
  /** Longest wait for the leader's revision to reach this store before answering anyway. */
  private final long applyWaitMillis;
  /** Null: no tracing; the request's own traceparent, if any, is passed on unchanged. */
  private final Tracing tracing;

  /** One per event loop: its client's connections stay on that loop. */
  public WriteForwarding(Vertx vertx, Api api, ClusterNode node, Config config, Tracing tracing) {
    this.api = api;
    this.tracing = tracing;
    this.node = node;
    this.answerTimeoutMillis = config.get(Settings.CLUSTER_FORWARD_ANSWER_TIMEOUT).toMillis();
    this.applyWaitMillis = config.get(Settings.CLUSTER_FORWARD_APPLY_WAIT).toMillis();
    // A leader that does not accept the connection within this is unreachable: nothing was sent.
    int connectTimeoutMillis = (int) Math.min(Integer.MAX_VALUE,
        config.get(Settings.CLUSTER_FORWARD_CONNECT_TIMEOUT).toMillis());
    this.maxBodyBytes = Math.max(api.limits().maxValueBytes(), api.limits().maxTxnBytes());
    // HTTP/2 with prior knowledge (h2c) to an http:// leader, by ALPN to an https:// one (trusted by
    // the JVM's trust store): one connection per event loop carries every forwarded write.
    this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(connectTimeoutMillis)
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(false).setUseAlpn(true),
        new PoolOptions().setHttp2MaxSize(1));
  }

  /** Installs the forwarding handler on one event loop's router, after authentication. */
  public void mount(Router router) {
    router.route().order(-1).handler(this::handle);
  }

  private void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String leaderUrl = node.leaderUrl();
    if (!isWrite(req) || node.commitsWrites() || leaderUrl == null || req.getHeader(FORWARDED) != null
        || node.self() == null || node.self().id().equals(node.leaderId()) || node.diverged() != null) {
      ctx.next();
      return;
    }
    String leaderId = node.leaderId();
    if (AuthHandler.consoleSession(ctx) != null) {
      // A console session lives on the node that opened it; the leader would not know its cookie.
      ctx.fail(consoleOnFollower(leaderId, leaderUrl));
      return;
    }
    // Read here, within the largest limit of a write's body (the leader applies the route's own):
    // the leader is only reached once the whole request is in hand, so a broken body sends nothing.
    api.bodies().read(ctx, maxBodyBytes).compose(body -> {
      MultiMap headers = MultiMap.caseInsensitiveMultiMap();
      copyHeaders(req.headers(), headers);
      headers.set(FORWARDED, node.self().id());
      RequestOptions options = new RequestOptions().setMethod(req.method()).setAbsoluteURI(leaderUrl + req.uri())
          .setHeaders(headers).setIdleTimeout(answerTimeoutMillis);
      Supplier<Future<HttpClientResponse>> send = () -> client.request(options)
          .recover(e -> Future.failedFuture(unreachable(leaderId, leaderUrl, e)))
          .compose(out -> {
            node.forwarded();
            return out.send(body).recover(e -> Future.failedFuture(unanswered(leaderId, leaderUrl, e)));
          });
      return tracing == null ? send.get() : tracing.forward(headers, send);
    }).compose(answer -> answer.body().compose(body -> waitForRevision(answer, body).map(v -> {
      ctx.response().setStatusCode(answer.statusCode());
      copyHeaders(answer.headers(), ctx.response().headers());
      ctx.response().end(body);
      return null;
    })).recover(e -> Future.failedFuture(e instanceof ApiException ? e : unanswered(leaderId, leaderUrl, e))))
        .onFailure(e -> {
          if (!ctx.response().headWritten()) {
            ctx.fail(e);
          }
        });
  }

  private static ApiException unanswered(String leaderId, String leaderUrl, Throwable e) {
    return new ApiException(Problem.NOT_LEADER, "the write was sent to the leader " + leaderId + " at " + leaderUrl
        + " but its answer did not come back (" + e.getMessage() + "): it may or may not have been applied; read "
        + "the key before retrying").header("Retry-After", "1");
  }

  /** Waits until this store holds the revision the leader's answer names, within a bound. */
  private Future<Long> waitForRevision(HttpClientResponse answer, Buffer body) {
    long revision = revisionOf(answer, body);
    return revision <= 0 ? Future.succeededFuture(0L) : node.awaitApplied(revision, applyWaitMillis);
  }

  /** The {@code X-SSOT-Revision} of the answer, else the {@code revision} of its JSON body; 0 when none. */
  static long revisionOf(HttpClientResponse answer, Buffer body) {
    String header = answer.getHeader(Headers.REVISION);
    try {
      if (header != null) {
        return Long.parseLong(header.trim());
      }
      if (answer.statusCode() / 100 == 2 && body.length() > 0 && body.getByte(0) == '{') {
        Object r = new JsonObject(body).getValue("revision");
        return r instanceof Number n ? n.longValue() : 0;
      }
    } catch (RuntimeException notARevision) {
      // an answer without one: nothing to wait for
    }
    return 0;
  }

  private static ApiException consoleOnFollower(String leaderId, String leaderUrl) {
    return new ApiException(Problem.NOT_LEADER, "this node is a follower, and a web console session is only known "
        + "to the node it was opened on: open the console on the leader " + leaderId + " at " + leaderUrl
        + "/ui to write; nothing was applied").header("Retry-After", "1").with("leader", leaderOf(leaderId, leaderUrl));
  }

  private static Map<String, String> leaderOf(String leaderId, String leaderUrl) {
    Map<String, String> leader = new LinkedHashMap<>();
    leader.put("id", leaderId);
    leader.put("url", leaderUrl);
    return leader;
  }

  private static ApiException unreachable(String leaderId, String leaderUrl, Throwable e) {
    return new ApiException(Problem.NOT_LEADER, "this node is a follower and the leader " + leaderId + " at "
        + leaderUrl + " cannot be reached (" + e.getMessage() + "): nothing was applied; retry shortly")
        .header("Retry-After", "1").with("leader", leaderOf(leaderId, leaderUrl));
  }

  private static void copyHeaders(MultiMap from, MultiMap to) {
    from.forEach(h -> {
      if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT)) && !h.getKey().startsWith(":")) {
        to.add(h.getKey(), h.getValue());
      }
    });
  }

  /** The requests that go through the door: every PUT, DELETE and POST of the API's write paths. */
  static boolean isWrite(HttpServerRequest req) {
    HttpMethod m = req.method();
    String path = req.path();
    if (m == HttpMethod.PUT || m == HttpMethod.DELETE) {
      return path.startsWith("/v1/kv/") || path.startsWith("/v1/schemas/") || path.startsWith("/v1/tokens/");
    }
    return m == HttpMethod.POST && (path.equals("/v1/txn") || path.startsWith("/v1/rollback/")
        || path.equals("/v1/tokens"));
  }
}
