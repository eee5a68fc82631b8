package io.ssot.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ssot.http.Tracing;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.observability.HttpRequest;
import io.vertx.core.spi.observability.HttpResponse;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Request rate and latency per route template, method and status, as {@code
 * ssot_http_server_requests_seconds}. Vert.x Web names the matched route through {@link
 * #requestRouted}; an unrouted request is counted under {@code route="none"}.
 *
 * <p>Why not Vert.x Micrometer's own HTTP metrics: they build tags and look meters up in the
 * registry on every request, which cost about a fifth of single-key GET throughput (measured with
 * JFR and wrk). Here each timer is created once and found again through two array lookups.
 */
final class RequestMetrics implements HttpServerMetrics<RequestMetrics.Request, Void, Void> {

  static final String NAME = "ssot_http_server_requests";
  private static final String UNROUTED = "none";
  private static final HttpMethod[] METHODS = {
      HttpMethod.GET, HttpMethod.PUT, HttpMethod.POST, HttpMethod.DELETE, HttpMethod.HEAD, HttpMethod.OPTIONS};
  private static final int OTHER_METHOD = METHODS.length;

  private final MeterRegistry registry;
  private final ConcurrentHashMap<String, RouteTimers> routes = new ConcurrentHashMap<>();
  /** Traces each request too when set; null: no tracing, and nothing else done for it. */
  private final Tracing tracing;

  RequestMetrics(MeterRegistry registry, Tracing tracing) {
    this.registry = registry;
    this.tracing = tracing;
  }

  /** One request in flight; Vert.x hands it back on each event of that request. */
  static final class Request {
    final long startNanos = System.nanoTime();
    final int method;
    String route = UNROUTED;
    Tracing.ServerSpan span;

    Request(int method) {
      this.method = method;
    }
  }

  @Override
  public Request requestBegin(Void socket, HttpRequest request) {
    Request r = new Request(methodIndex(request.method()));
    if (tracing != null) {
      r.span = tracing.begin(request.method(), request.uri(), request.headers());
    }
    return r;
  }

  @Override
  public void requestRouted(Request request, String route) {
    if (route != null) { // Vert.x Web reports unnamed routes (such as the path guard) as null
      request.route = route;
    }
    if (request.span != null) {
      tracing.routed(request.span, route);
    }
  }

  @Override
  public void requestReset(Request request) {
    if (request != null && request.span != null) {
      tracing.reset(request.span);
    }
  }

  @Override
  public void responseEnd(Request request, HttpResponse response, long bytesWritten) {
    if (request == null) {
      return;
    }
    RouteTimers timers = routes.get(request.route);
    if (timers == null) { // computeIfAbsent alone would allocate its lambda on every call
      timers = routes.computeIfAbsent(request.route, RouteTimers::new);
    }
    timers.timer(request.method, response.statusCode())
        .record(System.nanoTime() - request.startNanos, TimeUnit.NANOSECONDS);
    if (request.span != null) {
      tracing.ended(request.span, response.statusCode());
    }
  }

  private static int methodIndex(HttpMethod method) {
    for (int i = 0; i < METHODS.length; i++) {
      if (METHODS[i] == method) {
        return i;
      }
    }
    return OTHER_METHOD;
  }

  /** The timers of one route, by method and status (100–599), created on first use. */
  private final class RouteTimers {
    private static final int STATUSES = 500;
    private final String route;
    private final AtomicReferenceArray<Timer> timers = new AtomicReferenceArray<>((METHODS.length + 1) * STATUSES);

    RouteTimers(String route) {
      this.route = route;
    }

    Timer timer(int method, int status) {
      int code = status >= 100 && status < 600 ? status : 599;
      int slot = method * STATUSES + (code - 100);
      Timer timer = timers.get(slot);
      if (timer == null) {
        // Racing creators get the same timer back from the registry.
        timer = Timer.builder(NAME)
            .description("HTTP requests by route template, method and status")
            .tag("route", route)
            .tag("method", method == OTHER_METHOD ? "OTHER" : METHODS[method].name())
            .tag("code", Integer.toString(code))
            .register(registry);
        timers.set(slot, timer);
      }
      return timer;
    }
  }
}
