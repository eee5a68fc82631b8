package io.ssot.api;

import io.ssot.core.NotDurable;
import io.ssot.core.NotLeader;
import io.ssot.core.Unrestorable;
import io.ssot.http.ApiException;
import io.ssot.http.ConnectionReuse;
import io.ssot.http.Problems;
import io.ssot.http.RequestIds;

import io.ssot.protocol.Problem;
import io.ssot.schema.InvalidSchema;
import io.ssot.schema.SchemaViolation;
import io.ssot.schema.Violation;
import io.ssot.security.ValueCipher;
import io.ssot.store.StoreException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The v1 router: a path guard, every route, and one failure handler that writes problems. */
public final class Routes {

  private static final Logger LOG = LoggerFactory.getLogger(Routes.class);
  private static final List<String> KEY_PREFIXES =
      List.of(KvRoutes.KEY_PREFIX, HistoryRoutes.HISTORY_PREFIX, HistoryRoutes.ROLLBACK_PREFIX);

  private Routes() {
  }

  /**
   * The handler of one event loop's server: single-key reads through {@link FastGet}, the rest
   * through the router, which gives every request its id ({@link RequestIds}).
   *
   * @param auth     authenticates every request before any route (after the path guard)
   * @param fastRead whether a request may read a key on the fast path (else the router answers it)
   * @param extra    mounts routes that live outside this package (watch, health, metrics, tokens)
   * @param eventLoops how many such handlers there are: they share the heap given to answers
   */
  public static FastGet handler(Vertx vertx, Api api, Handler<RoutingContext> auth,
                                                   BiPredicate<HttpServerRequest, String> fastRead,
                                                   int eventLoops, Consumer<Router> extra) {
    // One per event loop: no sharing between cores.
    EntryBodies bodies = new EntryBodies(api.cipher(),
        EntryBodies.budgetFor(Runtime.getRuntime().maxMemory(), eventLoops));
    return new FastGet(api.store(), bodies, fastRead, router(vertx, api, bodies, auth, extra));
  }

  private static Router router(Vertx vertx, Api api, EntryBodies bodies, Handler<RoutingContext> auth,
                               Consumer<Router> extra) {
    Router router = Router.router(vertx);
    int maxKeyBytes = api.limits().maxKeyBytes();
    long bodyTimeoutMillis = api.bodies().timeoutMillis();
    // First of all, before admission (-2): a refused request's unread body is bounded too.
    router.route().order(-4).handler(ctx -> {
      RequestIds.ensure(ctx.request()); // every answer of the router has an id
      ctx.next();
    });
    router.route().order(-3).handler(ctx -> ConnectionReuse.handle(ctx, bodyTimeoutMillis));
    router.route().order(-3).handler(api.compression()::offer);
    router.route().order(-1).handler(ctx -> guardPath(ctx, maxKeyBytes));
    router.route().order(-1).handler(auth);
    new KvRoutes(api, bodies).mount(router);
    new TxnRoutes(api).mount(router);
    new HistoryRoutes(api).mount(router);
    new SchemaRoutes(api).mount(router);
    new SpringConfigRoutes(api).mount(router);
    extra.accept(router);
    router.route().failureHandler(Routes::failure);
    router.errorHandler(404, ctx -> Problems.send(ctx.response(),
        new ApiException(Problem.NOT_FOUND, "no such endpoint: " + ctx.request().path())));
    router.errorHandler(405, ctx -> Problems.send(ctx.response(),
        new ApiException(Problem.METHOD_NOT_ALLOWED, "method not allowed here")));
    return router;
  }

  /**
   * The router matches normalised paths and ignores a trailing slash; this rejects any path that
   * either would change ({@code //}, {@code .} or {@code ..} segments, also percent-encoded, or a
   * trailing {@code /}), so that no request can reach a handler under a different path than it
   * named: {@code /v1/kv/} is an empty key, not the listing. A key longer than
   * {@code limits.maxKeyBytes} is refused here, once for every route that names one.
   */
  private static void guardPath(RoutingContext ctx, int maxKeyBytes) {
    String raw = ctx.request().path();
    String decoded;
    try {
      decoded = raw == null ? null : Requests.percentDecode(raw);
    } catch (ApiException e) {
      decoded = null;
    }
    if (decoded == null || !decoded.startsWith("/") || decoded.contains("//") || decoded.contains("/./")
        || decoded.contains("/../") || decoded.endsWith("/.") || decoded.endsWith("/..")
        || (decoded.length() > 1 && decoded.endsWith("/"))) {
      boolean namesKey = raw != null && keyPrefix(raw) != null;
      ctx.fail(new ApiException(namesKey ? Problem.INVALID_KEY : Problem.INVALID_PATH,
          "the path must not end with '/' or contain empty, '.' or '..' segments or malformed escapes"));
      return;
    }
    String keyPrefix = keyPrefix(raw);
    if (keyPrefix != null && decoded.length() - keyPrefix.length() > maxKeyBytes) {
      ctx.fail(new ApiException(Problem.INVALID_KEY, keyTooLong(maxKeyBytes)));
      return;
    }
    ctx.next();
  }

  /** The route prefix before the key when the path names one, else null. */
  private static String keyPrefix(String path) {
    for (String prefix : KEY_PREFIXES) {
      if (path.startsWith(prefix)) {
        return prefix;
      }
    }
    return null;
  }

  static String keyTooLong(int maxKeyBytes) {
    return "the key is longer than limits.maxKeyBytes (" + maxKeyBytes + " bytes)";
  }

  static void methodNotAllowed(RoutingContext ctx, String allow) {
    ctx.fail(new ApiException(Problem.METHOD_NOT_ALLOWED,
        ctx.request().method() + " is not allowed here; use " + allow).header("Allow", allow));
  }

  private static void failure(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    ApiException problem = toProblem(ctx, failure);
    if (problem.status() == 500) {
      LOG.error("Failed {} {}", ctx.request().method(), ctx.request().path(), failure);
    }
    ConnectionReuse.announceClose(ctx, problem);
    Problems.send(ctx.response(), problem);
  }

  static ApiException toProblem(RoutingContext ctx, Throwable failure) {
    if (failure instanceof ApiException api) {
      return api;
    }
    if (failure instanceof NotDurable n) {
      return new ApiException(Problem.NOT_DURABLE, n.getMessage()).header("Retry-After", "1");
    }
    if (failure instanceof Unrestorable u) {
      return new ApiException(Problem.BYTE_ORDER_MARK, 422, u.getMessage());
    }
    if (failure instanceof StoreException.PreconditionFailed pf) {
      ApiException p = new ApiException(Problem.PRECONDITION_FAILED, pf.getMessage());
      return pf.currentRevision() == null ? p : p.with("currentRevision", pf.currentRevision());
    }
    if (failure instanceof StoreException.Compacted c) {
      return new ApiException(Problem.COMPACTED, c.getMessage()).with("compactRevision", c.compactRevision());
    }
    if (failure instanceof StoreException.FutureRevision f) {
      return new ApiException(Problem.FUTURE_REVISION, f.getMessage());
    }
    if (failure instanceof StoreException.TooLarge t) {
      return new ApiException(Problem.TOO_LARGE, t.getMessage());
    }
    if (failure instanceof StoreException.TxnReadsTooLarge t) {
      return new ApiException(Problem.TXN_READS_TOO_LARGE, t.getMessage() + " (limits.maxTxnReadBytes) and was not "
          + "run: nothing was changed. Read the keys with GET /v1/kv/{key}?atRevision=<revision> (the same "
          + "revision for all: one consistent state), a paged GET /v1/kv?prefix=, or fewer gets per txn")
          .with("maxReadBytes", t.maxReadBytes());
    }
    if (failure instanceof SchemaViolation v) {
      return new ApiException(Problem.SCHEMA_VIOLATION, v.getMessage()).with("violations", listed(v.violations()));
    }
    if (failure instanceof InvalidSchema s) {
      return new ApiException(Problem.INVALID_SCHEMA, s.getMessage()).with("violations", listed(s.problems()));
    }
    if (failure instanceof ValueCipher.Undecryptable u) {
      return new ApiException(Problem.UNDECRYPTABLE, u.getMessage()).header("Retry-After", "60");
    }
    if (failure instanceof StoreException.InsufficientStorage s) {
      return new ApiException(Problem.INSUFFICIENT_STORAGE, s.getMessage()).header("Retry-After", "10");
    }
    if (failure instanceof NotLeader n) {
      ApiException p = new ApiException(Problem.NOT_LEADER, n.getMessage()).header("Retry-After", "1");
      if (n.leaderId() != null) {
        Map<String, String> leader = new LinkedHashMap<>();
        leader.put("id", n.leaderId());
        leader.put("url", n.leaderUrl());
        p = p.with("leader", leader);
      }
      return p;
    }
    if (failure instanceof StoreException.Unavailable u) {
      return new ApiException(Problem.UNAVAILABLE, u.getMessage()).header("Retry-After", "1");
    }
    int status = ctx.statusCode();
    if (status >= 400 && status < 500) {
      // Vert.x Web fails some requests with a 4xx and a cause, such as an HTTP/1.1 request without Host.
      String detail = failure == null || failure.getMessage() == null ? Problem.title(status) : failure.getMessage();
      return new ApiException(Problem.HTTP_STATUS, status, detail);
    }
    return new ApiException(Problem.INTERNAL, "internal error");
  }

  private static List<Map<String, String>> listed(List<Violation> violations) {
    List<Map<String, String>> out = new ArrayList<>(violations.size());
    for (Violation v : violations) {
      Map<String, String> item = new LinkedHashMap<>();
      item.put("prefix", v.prefix());
      item.put("instanceLocation", v.instanceLocation());
      item.put("message", v.message());
      out.add(item);
    }
    return out;
  }

  /** The answer to a request the HTTP codec could not parse (line or headers too long, bad syntax). */
  public static void invalidRequest(HttpServerRequest request) {
    var result = request.decoderResult();
    Throwable cause = result == null ? null : result.cause();
    String message = cause == null ? "" : String.valueOf(cause.getMessage());
    ApiException problem;
    if (cause instanceof io.netty.handler.codec.TooLongFrameException && message.contains("header")) {
      problem = new ApiException(Problem.HEADERS_TOO_LARGE, "the request headers are too large");
    } else if (cause instanceof io.netty.handler.codec.TooLongFrameException) {
      problem = new ApiException(Problem.URI_TOO_LONG, "the request line is too long");
    } else {
      problem = new ApiException(Problem.BAD_REQUEST, "the request could not be parsed");
    }
    RequestIds.ensure(request);
    request.response().putHeader("Connection", "close");
    Problems.send(request.response(), problem);
  }
}
