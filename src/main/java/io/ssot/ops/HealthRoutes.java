package io.ssot.ops;

import io.ssot.cluster.ClusterNode;
import io.ssot.http.Compression;
import io.ssot.http.JsonWriter;
import io.ssot.persist.PgDrift;
import io.ssot.persist.PgProbe;
import io.ssot.persist.Postgres;
import io.ssot.persist.WriteBehind;
import io.ssot.store.DiskSpace;
import io.ssot.store.MvccStore;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BooleanSupplier;

/** {@code /health/live}, {@code /health/ready} and {@code /metrics}. */
public final class HealthRoutes {

  private final MvccStore store;
  private final DiskSpace disk;
  private final WriteBehind writeBehind;
  private final PgProbe pgProbe;
  private final Metrics metrics;
  private final BooleanSupplier stopping;
  private final ClusterNode cluster;
  private Backups backups;
  private PgDrift drift;

  /** @param postgres null when PostgreSQL is not configured */
  public HealthRoutes(MvccStore store, DiskSpace disk, Postgres postgres, Metrics metrics, BooleanSupplier stopping) {
    this(store, disk, postgres, metrics, stopping, null);
  }

  /** @param cluster null outside cluster mode */
  public HealthRoutes(MvccStore store, DiskSpace disk, Postgres postgres, Metrics metrics, BooleanSupplier stopping,
                      ClusterNode cluster) {
    this.cluster = cluster;
    this.store = store;
    this.disk = disk;
    this.writeBehind = postgres == null ? null : postgres.writeBehind();
    this.pgProbe = postgres == null ? null : postgres.probe();
    this.metrics = metrics;
    this.stopping = stopping;
  }

  /** Reports scheduled backups in readiness ({@code checks.backup}); {@code null}: not configured. */
  public HealthRoutes backups(Backups backups) {
    this.backups = backups;
    return this;
  }

  /** Reports the last drift check in readiness ({@code checks.postgres.drift}); {@code null}: none. */
  public HealthRoutes drift(PgDrift drift) {
    this.drift = drift;
    return this;
  }

  public void mount(Router router) {
    router.get("/health/live").setName("/health/live").handler(ctx -> ctx.response()
        .putHeader("Content-Type", "application/json").end("{\"status\":\"up\"}"));
    router.get("/health/ready").setName("/health/ready").handler(this::ready);
    // As Vert.x's PrometheusScrapingHandler answers, gzipped for a scraper that accepts it.
    router.get("/metrics").setName("/metrics").handler(ctx -> {
      ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      Compression.end(ctx, Buffer.buffer(metrics.registry().scrape()));
    });
  }

  /** Why PostgreSQL is reported down, or {@code null} when it is up. */
  private String postgresDown() {
    String halted = writeBehind.halted();
    if (halted != null) {
      return halted;
    }
    if (writeBehind.circuitOpen()) {
      return "the circuit is open after failed writes";
    }
    if (!pgProbe.answering()) {
      return "no answer to a probe for " + pgProbe.millisSinceAnswer() + " ms";
    }
    return null;
  }

  /**
   * {@code checks.cluster}: the role, the leader known, and how far behind PostgreSQL this node is.
   * A follower is ready (it serves reads and watches); one whose store diverged says so. With
   * Redis: its state, the commits applied from the stream and the catch-ups it asked of PostgreSQL.
   */
  private void cluster(JsonWriter json) {
    json.beginObject("cluster");
    if (cluster == null) {
      json.field("status", "not-configured").endObject();
      return;
    }
    String diverged = cluster.diverged();
    json.field("status", diverged != null ? "diverged" : cluster.role().label())
        .field("reason", diverged)
        .field("role", cluster.role().label())
        .field("term", cluster.term());
    if (cluster.leaderId() == null) {
      json.nullField("leader");
    } else {
      json.beginObject("leader").field("id", cluster.leaderId()).field("url", cluster.leaderUrl()).endObject();
    }
    json.field("appliedRevision", cluster.appliedRevision())
        .field("lagRevisions", cluster.lagRevisions())
        .field("lagMillis", cluster.lagMillis())
        .field("lastError", cluster.lastError())
        .field("redis", cluster.redisStatus())
        .field("appliedFromStream", cluster.appliedFromStream())
        .field("streamCatchUps", cluster.streamCatchUps())
        .field("publishedRevision", cluster.publishedRevision())
        .endObject();
  }

  /**
   * {@code checks.postgres.drift}: what the last comparison of the store with {@code ssot_current}
   * found. Drift leaves the node ready (it reports, it repairs nothing); the keys are shown.
   */
  private void drift(JsonWriter json) {
    if (drift == null) {
      return;
    }
    PgDrift.Result last = drift.last();
    json.beginObject("drift")
        .field("status", drift.lastError() != null ? "error" : last == null ? "pending"
            : last.drifted() > 0 ? "drift" : "none")
        .field("lastError", drift.lastError());
    if (last != null) {
      List<String> sample = last.keys().stream().limit(10).map(PgDrift.Difference::key).toList();
      json.field("revision", last.revision()).field("keys", last.drifted())
          .rawField("sample", new JsonArray(sample).encode().getBytes(StandardCharsets.UTF_8));
    }
    json.endObject();
  }

  private void ready(RoutingContext ctx) {
    boolean ready = !stopping.getAsBoolean();
    JsonWriter json = new JsonWriter(384).beginObject()
        .field("status", ready ? "ready" : "stopping")
        .beginObject("checks")
        .beginObject("store")
        .field("status", "up")
        .field("revision", store.revision())
        .field("compactRevision", store.compactRevision())
        .field("keys", store.size())
        .field("listing", store.listingReady().isDone() ? "ready" : "indexing")
        .endObject()
        // Ready even when full: reads, watches and history go on; writes get 507.
        .beginObject("disk")
        .field("status", disk.writable() ? "up" : "full")
        .field("freeBytes", disk.freeBytes())
        .field("reserveBytes", disk.reserveBytes())
        .field("writable", disk.writable())
        .endObject()
        .beginObject("postgres");
    if (writeBehind == null) {
      json.field("status", "not-configured");
    } else {
      String down = postgresDown();
      json.field("status", down == null ? "up" : "down")
          .field("reason", down)
          .field("answeredMillisAgo", pgProbe.millisSinceAnswer())
          .field("circuit", writeBehind.circuitState())
          .field("persistedRevision", writeBehind.persistedRevision())
          .field("outboxDepth", writeBehind.outboxDepth())
          .field("lastError", writeBehind.lastError());
      drift(json);
    }
    json.endObject()
        // Only a cluster uses Redis, and a node is ready without it (followers read PostgreSQL).
        .beginObject("redis").field("status", cluster == null ? "not-configured" : cluster.redisStatus()).endObject();
    cluster(json);
    // A failed backup shows here but leaves the node ready: it still serves everything.
    if (backups == null) {
      json.beginObject("backup").field("status", "not-configured").endObject();
    } else {
      backups.report(json);
    }
    json
        .endObject()
        .endObject();
    ctx.response().setStatusCode(ready ? 200 : 503).putHeader("Content-Type", "application/json")
        .end(json.buffer());
  }
}
