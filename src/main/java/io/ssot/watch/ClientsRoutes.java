package io.ssot.watch;

import io.ssot.http.ApiException;
import io.ssot.http.EntryJson;
import io.ssot.http.JsonWriter;
import io.ssot.protocol.Problem;
import io.ssot.store.Commit;
import io.ssot.store.MvccStore;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /v1/clients} (admin, see {@link io.ssot.security.AuthHandler}): every watch
 * WebSocket open on this node, with the names its client gave, who it authenticated as, each
 * acked watch and how far behind the store the client is. Made on a worker: the seconds behind
 * read commit timestamps from the change log.
 */
public final class ClientsRoutes {

  private final ConnectedClients clients;

  public ClientsRoutes(WatchHub hub) {
    this.clients = hub.clients();
  }

  public void mount(Router router) {
    router.get("/v1/clients").setName("/v1/clients").handler(this::list);
    router.route("/v1/clients").setName("/v1/clients").handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET").header("Allow", "GET")));
  }

  private void list(RoutingContext ctx) {
    ctx.vertx().executeBlocking(this::render, false).onComplete(ar -> {
      if (ar.succeeded()) {
        ctx.response().putHeader("Content-Type", "application/json").end(ar.result());
      } else {
        ctx.fail(ar.cause());
      }
    });
  }

  private Buffer render() {
    MvccStore store = clients.store();
    long revision = store.revision();
    long now = System.currentTimeMillis();
    List<ConnectedClient> all = new ArrayList<>(clients.all());
    all.sort(Comparator.comparingLong(c -> c.connection));
    JsonWriter json = new JsonWriter(256 + 512 * all.size()).beginObject()
        .field("revision", revision).beginArray("clients");
    for (ConnectedClient c : all) {
      List<ConnectedClient.Ack> acks = c.acks();
      long applied = -1;
      boolean drifted = false;
      for (ConnectedClient.Ack a : acks) {
        applied = applied < 0 ? a.revision : Math.min(applied, a.revision);
        drifted |= a.drift == ConnectedClient.Drift.DRIFTED;
      }
      json.beginObject().field("connection", c.connection)
          .field("clientId", c.clientId).field("application", c.application).field("instance", c.instance)
          .field("address", c.address).field("principal", c.principal).field("tokenId", c.tokenId)
          .field("connectedSince", EntryJson.timestamp(c.connectedAt));
      if (applied < 0) {
        json.nullField("appliedRevision").nullField("revisionsBehind").nullField("secondsBehind");
      } else {
        long behind = Math.max(0, revision - applied);
        json.field("appliedRevision", applied).field("revisionsBehind", behind);
        Double seconds = secondsBehind(store, applied, behind, now);
        if (seconds == null) {
          json.nullField("secondsBehind");
        } else {
          json.rawField("secondsBehind", String.format(Locale.ROOT, "%.3f", seconds).getBytes(StandardCharsets.US_ASCII));
        }
      }
      String status = drifted ? "drifted" : applied < 0 ? "unknown" : applied < revision ? "behind" : "current";
      json.field("drifted", drifted).field("status", status).field("drifts", c.drifts());
      long lastDrift = c.lastDriftAt();
      if (lastDrift == 0) {
        json.nullField("lastDriftAt");
      } else {
        json.field("lastDriftAt", EntryJson.timestamp(lastDrift));
      }
      json.beginArray("watches");
      for (ConnectedClient.Ack a : acks) {
        json.beginObject().field("id", a.watchId).field(a.key ? "key" : "prefix", a.filter)
            .field("revision", a.revision).field("digest", a.digest)
            .field("ackedAt", EntryJson.timestamp(a.ackedAt)).field("drift", a.drift.label).endObject();
      }
      json.endArray().endObject();
    }
    return json.endArray().endObject().buffer();
  }

  /**
   * How long ago the first revision the client has not applied was committed; 0 when it is
   * current, null when that commit is compacted away.
   */
  private static Double secondsBehind(MvccStore store, long applied, long behind, long now) {
    if (behind == 0) {
      return 0.0;
    }
    Commit next = store.commitAt(applied + 1);
    return next == null ? null : Math.max(0, now - next.timestamp()) / 1000.0;
  }
}
