package io.ssot.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.ssot.http.Tracing;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.ssot.cluster.ClusterNode;
import io.ssot.cluster.Role;
import io.ssot.persist.PgDrift;
import io.ssot.persist.WriteBehind;
import io.ssot.store.MvccStore;
import io.ssot.watch.ConnectedClients;
import io.ssot.watch.WatchHub;
import io.vertx.core.spi.VertxMetricsFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The Prometheus registry: HTTP request rate and latency per route template, method and status
 * (never the raw path, so cardinality stays bounded), Vert.x's pool and client metrics, the
 * JVM's, and the store's and watches' gauges.
 */
public final class Metrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT,
      new PrometheusRegistry(), CoarseClock.INSTANCE);

  public Metrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * Vert.x Micrometer's metrics, with HTTP server requests recorded by {@link RequestMetrics}, which
   * also traces them when {@code tracing} is not null.
   */
  public VertxMetricsFactory vertxMetricsFactory(Tracing tracing) {
    MicrometerMetricsFactory micrometer = new MicrometerMetricsFactory(registry);
    RequestMetrics requests = new RequestMetrics(registry, tracing);
    return options -> new ServerVertxMetrics(micrometer.metrics(options), requests);
  }

  public static MicrometerMetricsOptions vertxMetricsOptions() {
    return new MicrometerMetricsOptions().setEnabled(true).addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER);
  }

  /** PostgreSQL write-behind: persisted revision, outbox depth and circuit (0 closed, 1 half-open, 2 open). */
  public void bind(WriteBehind writeBehind) {
    Gauge.builder("ssot_writebehind_persisted_revision", writeBehind, WriteBehind::persistedRevision)
        .description("Every revision up to this one is in PostgreSQL").register(registry);
    Gauge.builder("ssot_writebehind_outbox_depth", writeBehind, WriteBehind::outboxDepth)
        .description("Revisions committed locally and not yet in PostgreSQL").register(registry);
    Gauge.builder("ssot_writebehind_circuit", writeBehind, w -> switch (w.circuitState()) {
      case "open" -> 2;
      case "half_open" -> 1;
      default -> 0;
    }).description("Circuit to PostgreSQL: 0 closed, 1 half-open, 2 open").register(registry);
  }

  /** Cluster mode: this node's role (1 leader, 0 follower), the term and the revision it has applied. */
  public void bind(PgDrift drift) {
    Gauge.builder("ssot_pg_drift_keys", drift, PgDrift::driftedKeys)
        .description("Keys whose state differs between the store and PostgreSQL's ssot_current at the last drift check")
        .register(registry);
  }

  public void bind(ClusterNode cluster) {
    Gauge.builder("ssot_cluster_role", cluster, c -> c.role() == Role.LEADER ? 1 : 0)
        .description("1 while this node leads its cluster, 0 while it follows").register(registry);
    Gauge.builder("ssot_cluster_term", cluster, ClusterNode::term)
        .description("The term this node leads, or the last it read from PostgreSQL").register(registry);
    Gauge.builder("ssot_cluster_applied_revision", cluster, ClusterNode::appliedRevision)
        .description("The highest revision this node has applied").register(registry);
    Gauge.builder("ssot_cluster_lag_revisions", cluster, ClusterNode::lagRevisions)
        .description("Revisions PostgreSQL held at the last poll that this node has not applied").register(registry);
    Gauge.builder("ssot_cluster_lag_seconds", cluster, c -> c.lagMillis() / 1000.0)
        .description("How long this node has been behind PostgreSQL (0 when it is not)").register(registry);
    Timer applyLag = Timer.builder("ssot_cluster_apply_lag")
        .description("Leader's commit to this follower's, per revision applied (by the two nodes' clocks)")
        .publishPercentiles(0.5, 0.99)
        // Buckets too, so that a window's percentiles come from the difference of two scrapes.
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
        .register(registry);
    cluster.reportApplyLagTo(millis -> applyLag.record(millis, TimeUnit.MILLISECONDS));
    FunctionCounter.builder("ssot_cluster_forwarded_writes", cluster, ClusterNode::forwardedWrites)
        .description("Writes this follower forwarded to the leader").register(registry);
    FunctionCounter.builder("ssot_cluster_stream_applied", cluster, ClusterNode::appliedFromStream)
        .description("Commits this follower applied from the Redis stream (not from PostgreSQL)").register(registry);
    FunctionCounter.builder("ssot_cluster_stream_catchups", cluster, ClusterNode::streamCatchUps)
        .description("Catch-ups from PostgreSQL the Redis stream's follower asked for (gap, trim, Redis down)")
        .register(registry);
  }

  public void bind(MvccStore store, WatchHub hub) {
    Gauge.builder("ssot_store_keys", store, MvccStore::size).description("Keys in the store").register(registry);
    Gauge.builder("ssot_store_revision", store, MvccStore::revision)
        .description("Highest committed revision").register(registry);
    Gauge.builder("ssot_store_compact_revision", store, MvccStore::compactRevision)
        .description("Oldest revision still in the change log").register(registry);
    Gauge.builder("ssot_watch_open", hub, WatchHub::openWatches)
        .description("Open watches (WebSocket, SSE and long-poll)").register(registry);
    Gauge.builder("ssot_watch_queued_bytes", hub, WatchHub::queuedBytes)
        .description("Watch output handed to connections and not yet written to their sockets").register(registry);
    FunctionCounter.builder("ssot_watch_slow_consumers", hub, WatchHub::slowConsumersCancelled)
        .description("Watches cancelled because their connection stayed full").register(registry);
    bind(hub.clients());
  }

  /**
   * Who runs which revision: watch connections open, how many of those that acked are at most
   * {@code le} revisions behind the store (cumulative, a fixed set of buckets), and how often a
   * watch's digest differed from the server's.
   */
  private void bind(ConnectedClients clients) {
    Gauge.builder("ssot_clients_connected", clients, ConnectedClients::connected)
        .description("Watch WebSockets open on this node").register(registry);
    for (long le : ConnectedClients.BEHIND_BUCKETS) {
      Gauge.builder("ssot_clients_behind", clients, c -> c.behindAtMost(le))
          .tag("le", le == Long.MAX_VALUE ? "+Inf" : Long.toString(le))
          .description("Watch connections that acked a revision at most le revisions behind the store")
          .register(registry);
    }
    FunctionCounter.builder("ssot_clients_drifted", clients, ConnectedClients::driftedTotal)
        .description("Times a watching client's view digest differed from the server's").register(registry);
  }
}
