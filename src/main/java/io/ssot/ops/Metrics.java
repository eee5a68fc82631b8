package io.ssot.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.ssot.store.MvccStore;
import io.ssot.watch.WatchHub;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * The Prometheus registry: Vert.x's own HTTP metrics (rate and latency per route template,
 * method and status; never the raw path, so cardinality stays bounded), the JVM's, and the
 * store's and watches' gauges.
 */
public final class Metrics {

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public Metrics() {
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public MicrometerMetricsFactory vertxMetricsFactory() {
    return new MicrometerMetricsFactory(registry);
  }

  public static MicrometerMetricsOptions vertxMetricsOptions() {
    return new MicrometerMetricsOptions()
        .setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE));
  }

  public void bind(MvccStore store, WatchHub hub) {
    Gauge.builder("ssot_store_keys", store, MvccStore::size).description("Keys in the store").register(registry);
    Gauge.builder("ssot_store_revision", store, MvccStore::revision)
        .description("Highest committed revision").register(registry);
    Gauge.builder("ssot_store_compact_revision", store, MvccStore::compactRevision)
        .description("Oldest revision still in the change log").register(registry);
    Gauge.builder("ssot_watch_open", hub, WatchHub::openWatches)
        .description("Open watches (WebSocket, SSE and long-poll)").register(registry);
    FunctionCounter.builder("ssot_watch_slow_consumers", hub, WatchHub::slowConsumersCancelled)
        .description("Watches cancelled because their connection stayed full").register(registry);
  }
}
