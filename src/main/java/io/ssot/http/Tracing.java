package io.ssot.http;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.ssot.protocol.Headers;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.context.storage.AccessMode;
import io.vertx.core.spi.context.storage.ContextLocal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * OpenTelemetry traces over OTLP/HTTP when {@code otel.endpoint} is set: a server span for each
 * request, a span for each write-behind batch and a client span for each write a follower
 * forwards to its leader, which carries the W3C {@code traceparent} on. A request's
 * {@code traceparent} makes its span a child of the caller's.
 *
 * <p>Spans hold the route template, the method, the status and how many segments the key or prefix
 * has ({@code ssot.key.depth}); never a key, a value, a query or a header, so no token.
 *
 * <p>Without an endpoint there is no instance ({@link #start} gives null): nothing of the SDK is
 * initialised, and the request path tests a field for null.
 */
public final class Tracing {

  static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  static final AttributeKey<Long> KEY_DEPTH = AttributeKey.longKey("ssot.key.depth");
  static final AttributeKey<Long> REVISIONS = AttributeKey.longKey("ssot.revisions");

  /** The span of the request being served, where {@link #current()} finds it. */
  private static final ContextLocal<ServerSpan> SPAN = ContextLocal.registerLocal(ServerSpan.class);
  private static final String[] KEY_ROUTES = {"/v1/kv/", "/v1/history/", "/v1/rollback/"};

  private static final TextMapGetter<MultiMap> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(MultiMap carrier) {
      return carrier.names();
    }

    @Override
    public String get(MultiMap carrier, String key) {
      return carrier == null ? null : carrier.get(key);
    }
  };

  private final SdkTracerProvider provider;
  private final Tracer tracer;

  private Tracing(SdkTracerProvider provider) {
    this.provider = provider;
    this.tracer = provider.get("io.ssot");
  }

  /** Registers the request's context slot; to be called before Vert.x is built. */
  public static void ensureRegistered() {
    // The static initialiser did the work.
  }

  /**
   * Tracing to {@code endpoint} (the collector's base URL, to which {@code /v1/traces} is added
   * unless it ends with it), or null when it is empty.
   */
  public static Tracing start(String endpoint) {
    if (endpoint.isEmpty()) {
      return null;
    }
    String url = endpoint.endsWith("/v1/traces") ? endpoint
        : endpoint.replaceAll("/+$", "") + "/v1/traces";
    OtlpHttpSpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(url).build();
    SdkTracerProvider provider = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(
            Attributes.of(AttributeKey.stringKey("service.name"), "ssot"))))
        .addSpanProcessor(BatchSpanProcessor.builder(exporter).setScheduleDelay(Duration.ofSeconds(1)).build())
        .build();
    return new Tracing(provider);
  }

  /** One request's span and its method, which, with the route, names it. */
  public static final class ServerSpan {
    private final Span span;
    private final String method;
    private boolean ended;

    private ServerSpan(Span span, String method) {
      this.span = span;
      this.method = method;
    }
  }

  /** Starts the span of a request that has just begun, a child of its {@code traceparent} if it has one. */
  public ServerSpan begin(HttpMethod method, String uri, MultiMap headers) {
    Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), headers, HEADERS);
    String name = method.name();
    Span span = tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.SERVER)
        .setAttribute(METHOD, name).startSpan();
    int depth = keyDepth(uri);
    if (depth >= 0) {
      span.setAttribute(KEY_DEPTH, depth);
    }
    return new ServerSpan(span, name);
  }

  /**
   * The request was routed: {@code route} is the template it matched (null for an unnamed route
   * such as the path guard). Runs on the request's context, where the span is kept for
   * {@link #current()}.
   */
  public void routed(ServerSpan request, String route) {
    ContextInternal context = (ContextInternal) Vertx.currentContext();
    if (context != null && context.getLocal(SPAN, AccessMode.CONCURRENT) == null) {
      context.putLocal(SPAN, AccessMode.CONCURRENT, request);
    }
    if (route != null && !request.ended) {
      request.span.updateName(request.method + " " + route);
      request.span.setAttribute(ROUTE, route);
    }
  }

  /** The answer was sent with {@code status}. */
  public void ended(ServerSpan request, int status) {
    if (request.ended) {
      return;
    }
    request.ended = true;
    request.span.setAttribute(STATUS, status);
    if (status >= 500) {
      request.span.setStatus(StatusCode.ERROR);
    }
    request.span.end();
  }

  /** The request was reset before its answer ended. */
  public void reset(ServerSpan request) {
    if (!request.ended) {
      request.ended = true;
      request.span.setStatus(StatusCode.ERROR, "reset");
      request.span.end();
    }
  }

  /**
   * Runs {@code write}, a write the follower forwards to its leader, in a client span that is a
   * child of the request's; its {@code traceparent} is set on {@code headers}.
   */
  public <T> Future<T> forward(MultiMap headers, Supplier<Future<T>> write) {
    ContextInternal context = (ContextInternal) Vertx.currentContext();
    ServerSpan request = context == null ? null : context.getLocal(SPAN, AccessMode.CONCURRENT);
    Context parent = request == null ? Context.root() : Context.root().with(request.span);
    Span span = tracer.spanBuilder("forward write").setParent(parent).setSpanKind(SpanKind.CLIENT).startSpan();
    headers.remove(Headers.TRACEPARENT);
    W3CTraceContextPropagator.getInstance().inject(Context.root().with(span), headers, MultiMap::set);
    return ended(span, write.get());
  }

  /** Runs {@code batch}, one write-behind transaction of {@code revisions} revisions, in a span of its own. */
  public <T> Future<T> batch(int revisions, Supplier<Future<T>> batch) {
    Span span = tracer.spanBuilder("write-behind batch").setNoParent().setSpanKind(SpanKind.CLIENT)
        .setAttribute(REVISIONS, (long) revisions).startSpan();
    return ended(span, batch.get());
  }

  private static <T> Future<T> ended(Span span, Future<T> work) {
    return work.andThen(ar -> {
      if (ar.failed()) {
        // The failure's class only: a message may name a key.
        span.setStatus(StatusCode.ERROR, ar.cause().getClass().getSimpleName());
      }
      span.end();
    });
  }

  /** Sends the spans not yet sent and stops, within a few seconds. */
  public void close() {
    provider.shutdown().join(5, TimeUnit.SECONDS);
  }

  /** How many segments the key or prefix a request names has; -1 when it names none. */
  static int keyDepth(String uri) {
    int query = uri.indexOf('?');
    String path = query < 0 ? uri : uri.substring(0, query);
    for (String route : KEY_ROUTES) {
      if (path.startsWith(route)) {
        return segments(path, route.length(), path.length());
      }
    }
    if (query >= 0) {
      int prefix = uri.indexOf("prefix=", query);
      if (prefix > 0 && (uri.charAt(prefix - 1) == '?' || uri.charAt(prefix - 1) == '&')) {
        int start = prefix + "prefix=".length();
        int end = uri.indexOf('&', start);
        return segments(uri, start, end < 0 ? uri.length() : end);
      }
    }
    return -1;
  }

  /** Non-empty segments between '/' (also %2F) in {@code text[from, to)}. */
  private static int segments(String text, int from, int to) {
    String part = text.substring(from, to).replace("%2F", "/").replace("%2f", "/");
    int count = 0;
    for (String segment : part.split("/")) {
      if (!segment.isEmpty()) {
        count++;
      }
    }
    return count;
  }
}
