package io.ssot.watch;

import io.ssot.api.ApiException;
import io.ssot.api.Limits;
import io.ssot.store.Keys;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code GET /v1/watch}: a WebSocket upgrade, or an SSE stream with {@code Accept: text/event-stream}. */
public final class WatchRoutes {

  private final WatchHub hub;
  private final Limits limits;

  public WatchRoutes(WatchHub hub, Limits limits) {
    this.hub = hub;
    this.limits = limits;
  }

  public void mount(Router router) {
    router.get("/v1/watch").setName("/v1/watch").handler(this::watch);
    router.route("/v1/watch").setName("/v1/watch").handler(ctx -> ctx.fail(
        new ApiException(405, "method-not-allowed", "use GET").header("Allow", "GET")));
  }

  private void watch(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (req.canUpgradeToWebSocket()) {
      req.toWebSocket()
          .onSuccess(ws -> new WebSocketSession(ws, hub, limits.maxWatchesPerConnection(), limits.watchQueueBytes()))
          .onFailure(e -> {
            // Vert.x has usually answered the refused handshake itself (400, or 426 for a version).
            if (!ctx.response().headWritten()) {
              ctx.fail(ApiException.badRequest("invalid-handshake", "the WebSocket handshake is malformed: "
                  + e.getMessage()));
            }
          });
      return;
    }
    String accept = req.getHeader("Accept");
    if (accept == null || !accept.contains("text/event-stream")) {
      throw new ApiException(406, "not-acceptable",
          "a watch is a WebSocket upgrade or a request with Accept: text/event-stream");
    }
    String key = single(req, "key");
    String prefix = single(req, "prefix");
    WatchFilter filter;
    if (key != null && prefix == null) {
      String problem = Keys.problem(key);
      if (problem != null) {
        throw ApiException.badRequest("invalid-key", problem);
      }
      filter = WatchFilter.key(key);
    } else if (prefix != null && key == null) {
      String problem = Keys.prefixProblem(prefix);
      if (problem != null) {
        throw ApiException.badRequest("invalid-key", problem);
      }
      filter = WatchFilter.prefix(prefix);
    } else {
      throw ApiException.badRequest("invalid-parameter", "give exactly one of key or prefix");
    }
    long from = revision(single(req, "fromRevision"), "parameter fromRevision");
    String lastEventId = req.getHeader("Last-Event-ID");
    if (lastEventId != null) {
      // A reconnecting EventSource repeats the original URL; the last id it saw wins.
      from = revision(lastEventId.trim(), "Last-Event-ID") + 1;
    }
    SseStream.start(ctx.response(), hub, filter, from, limits.watchQueueBytes());
  }

  private static String single(HttpServerRequest req, String name) {
    List<String> all;
    try {
      all = req.params().getAll(name);
    } catch (IllegalArgumentException e) {
      // The query is decoded lazily here: a bad escape such as %zz is the client's error.
      throw ApiException.badRequest("invalid-parameter", "the query string is malformed");
    }
    if (all.size() > 1) {
      throw ApiException.badRequest("invalid-parameter", "parameter '" + name + "' is given more than once");
    }
    return all.isEmpty() ? null : all.get(0);
  }

  private static long revision(String text, String what) {
    if (text == null) {
      return 0;
    }
    try {
      long r = Long.parseLong(text);
      if (r >= 0) {
        return r;
      }
    } catch (NumberFormatException e) {
      // fall through
    }
    throw ApiException.badRequest(what.startsWith("parameter") ? "invalid-parameter" : "invalid-header",
        what + " must be a whole number >= 0");
  }
}
