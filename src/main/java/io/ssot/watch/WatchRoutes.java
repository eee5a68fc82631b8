package io.ssot.watch;

import io.ssot.http.ApiException;
import io.ssot.http.Limits;
import io.ssot.http.Params;
import io.ssot.limit.Admission;
import io.ssot.protocol.ClientName;
import io.ssot.protocol.Headers;
import io.ssot.protocol.Problem;
import io.ssot.security.Access;
import io.ssot.security.Role;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.LongSupplier;

/** {@code GET /v1/watch}: a WebSocket upgrade, or an SSE stream with {@code Accept: text/event-stream}. */
public final class WatchRoutes {

  private final WatchHub hub;
  private final Limits limits;
  private final Admission admission;

  /** @param admission the connection count and rate limits a WebSocket stays under after its handshake */
  public WatchRoutes(WatchHub hub, Limits limits, Admission admission) {
    this.hub = hub;
    this.limits = limits;
    this.admission = admission;
  }

  public void mount(Router router) {
    router.get("/v1/watch").setName("/v1/watch")
        .handler(hub.revisionWaits().handler(limits.maxWaitMillis())).handler(this::watch);
    router.route("/v1/watch").setName("/v1/watch").handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET").header("Allow", "GET")));
    new ClientsRoutes(hub).mount(router);
  }

  private void watch(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (req.canUpgradeToWebSocket()) {
      ClientNames names = ClientNames.of(req);
      LongSupplier permits = admission.watchPermits(ctx);
      req.toWebSocket()
          .onSuccess(ws -> {
            admission.upgraded(ctx, ws);
            new WebSocketSession(ws, hub, limits, permits, ctx, names);
          })
          .onFailure(e -> {
            // Vert.x has usually answered the refused handshake itself (400, or 426 for a version).
            if (!ctx.response().headWritten()) {
              ctx.fail(new ApiException(Problem.INVALID_HANDSHAKE, "the WebSocket handshake is malformed: "
                  + e.getMessage()));
            }
          });
      return;
    }
    String accept = req.getHeader("Accept");
    if (accept == null || !accept.contains(Headers.EVENT_STREAM)) {
      throw new ApiException(Problem.NOT_ACCEPTABLE,
          "a watch is a WebSocket upgrade or a request with Accept: text/event-stream");
    }
    Params params = new Params(req);
    WatchFilter filter = WatchFilter.of(params.get("key"), params.get("prefix"));
    Access.require(ctx, Role.READ, filter.key() != null ? filter.key() : filter.prefix());
    long from = params.longIn("fromRevision", 0, 0, Long.MAX_VALUE);
    String lastEventId = req.getHeader(Headers.LAST_EVENT_ID);
    if (lastEventId != null) {
      // A reconnecting EventSource repeats the original URL; the last id it saw wins.
      from = lastEventId(lastEventId.trim()) + 1;
    }
    SseStream.start(ctx, hub, filter, from);
  }

  /** The names a watching client gives itself on the upgrade; each null when not given. */
  record ClientNames(String clientId, String application, String instance) {

    /** @throws ApiException 400 {@code invalid-client-name}, before the upgrade */
    static ClientNames of(HttpServerRequest req) {
      return new ClientNames(name(req, ClientName.CLIENT_ID), name(req, ClientName.APPLICATION),
          name(req, ClientName.INSTANCE));
    }

    private static String name(HttpServerRequest req, String parameter) {
      List<String> values = req.params().getAll(parameter);
      if (values.isEmpty()) {
        return null;
      }
      if (values.size() > 1) {
        throw new ApiException(Problem.INVALID_CLIENT_NAME, parameter + " is given more than once");
      }
      String problem = ClientName.problem(parameter, values.get(0));
      if (problem != null) {
        throw new ApiException(Problem.INVALID_CLIENT_NAME, problem);
      }
      return values.get(0);
    }
  }

  private static long lastEventId(String text) {
    try {
      long r = Long.parseLong(text);
      if (r >= 0 && r < Long.MAX_VALUE) {
        return r;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiException(Problem.INVALID_HEADER, "Last-Event-ID must be a whole number >= 0");
  }
}
