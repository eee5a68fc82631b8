package io.ssot.console;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ssot.cluster.ClusterNode;
import io.ssot.http.JsonWriter;
import io.ssot.persist.WriteBehind;
import io.ssot.store.MvccStore;
import io.ssot.watch.WatchHub;
import io.vertx.ext.web.RoutingContext;
import java.util.concurrent.TimeUnit;

/**
 * {@code GET /ui/api/overview} (any valid credentials): the figures of the console's overview in
 * one small JSON object, so the page need not parse {@code /metrics}. Request counts are totals
 * since start (reads: GETs; writes: PUTs, POSTs and DELETEs); the page makes rates of two
 * answers, with their {@code time}.
 */
public final class Overview {

  private final MvccStore store;
  private final WatchHub hub;
  private final MeterRegistry registry;
  private final WriteBehind writeBehind;
  private final ClusterNode cluster;

  /**
   * @param writeBehind null without PostgreSQL
   * @param cluster     null outside cluster mode
   */
  public Overview(MvccStore store, WatchHub hub, MeterRegistry registry, WriteBehind writeBehind, ClusterNode cluster) {
    this.store = store;
    this.hub = hub;
    this.registry = registry;
    this.writeBehind = writeBehind;
    this.cluster = cluster;
  }

  void handle(RoutingContext ctx) {
    long reads = 0;
    long writes = 0;
    for (Timer t : registry.find("ssot_http_server_requests").timers()) {
      switch (String.valueOf(t.getId().getTag("method"))) {
        case "GET" -> reads += t.count();
        case "PUT", "POST", "DELETE" -> writes += t.count();
        default -> { }
      }
    }
    JsonWriter json = new JsonWriter(512).beginObject()
        .field("time", System.currentTimeMillis())
        .field("revision", store.revision())
        .field("compactRevision", store.compactRevision())
        .field("keys", store.size())
        .beginObject("requests").field("reads", reads).field("writes", writes).endObject()
        .field("openWatches", hub.openWatches())
        .field("clientsConnected", hub.clients().connected());
    if (writeBehind == null) {
      json.nullField("writeBehind");
    } else {
      Timer lag = registry.find("ssot_writebehind_lag").timer();
      json.beginObject("writeBehind")
          .field("persistedRevision", writeBehind.persistedRevision())
          .field("outboxDepth", writeBehind.outboxDepth())
          .field("lagMillisMax", lag == null ? 0 : (long) lag.max(TimeUnit.MILLISECONDS))
          .field("circuit", writeBehind.circuitState())
          .endObject();
    }
    if (cluster == null) {
      json.nullField("cluster");
    } else {
      json.beginObject("cluster")
          .field("role", cluster.role().label())
          .field("term", cluster.term())
          .field("leaderId", cluster.leaderId())
          .field("lagRevisions", cluster.lagRevisions())
          .endObject();
    }
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(json.endObject().buffer());
  }
}
