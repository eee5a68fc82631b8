package io.ssot.watch;

import io.ssot.api.ApiException;
import io.ssot.api.JsonWriter;
import io.ssot.api.Limits;
import io.ssot.security.Access;
import io.ssot.security.Role;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * One WebSocket on {@code /v1/watch} carrying any number of watches, each named by the client's
 * {@code id}. A bad message is answered with an error message and the connection stays open.
 * Each watch needs read on its key or prefix ({@code forbidden} otherwise); when the token of
 * the handshake is revoked or expires, every watch ends with {@code token-revoked} and the
 * connection closes with 1008 (policy violation).
 *
 * <p>A socket with no open watch that hears nothing from its client for
 * {@code limits.webSocketIdleTimeout} is closed.
 */
public final class WebSocketSession implements WatchSink {

  private static final int MAX_ID_LENGTH = 128;

  private final ServerWebSocket ws;
  private final WatchHub hub;
  private final MvccStore store;
  private final int maxWatches;
  private final LongSupplier watchPermits;
  private final long idleMillis;
  private final long idleTimer;
  private long lastHeard = System.nanoTime();
  private final Map<String, Watch> watches = new HashMap<>();
  private final List<Runnable> drainActions = new ArrayList<>();
  /** The handshake request: its principal authorises each watch. */
  private final RoutingContext handshake;

  /**
   * @param watchPermits 0 when the client may open one more watch, else the milliseconds to wait
   * @param handshake    the upgraded request, holding the principal whose roles each watch needs
   */
  public WebSocketSession(ServerWebSocket ws, WatchHub hub, Limits limits, LongSupplier watchPermits,
                          RoutingContext handshake) {
    this.ws = ws;
    this.handshake = handshake;
    this.hub = hub;
    this.store = hub.store();
    this.maxWatches = limits.maxWatchesPerConnection();
    this.watchPermits = watchPermits;
    this.idleMillis = limits.webSocketIdleMillis();
    ws.setWriteQueueMaxSize((int) Math.min(Integer.MAX_VALUE, limits.watchQueueBytes()));
    ws.textMessageHandler(this::onMessage);
    ws.binaryMessageHandler(b -> {
      lastHeard = System.nanoTime();
      sendError(null, "binary-not-supported", "send JSON text messages");
    });
    Vertx vertx = Vertx.currentContext().owner();
    idleTimer = vertx.setPeriodic(Math.max(10, idleMillis / 4), id -> closeIfIdle());
    ws.drainHandler(v -> {
      List<Runnable> actions = List.copyOf(drainActions);
      drainActions.clear();
      actions.forEach(Runnable::run);
    });
    Runnable unfollow = Access.onTokenEnd(handshake, this::tokenEnded);
    ws.closeHandler(v -> {
      unfollow.run();
      vertx.cancelTimer(idleTimer);
      watches.values().forEach(hub::close);
      watches.clear();
    });
    // A frame or a message over the limit must close with 1009 ("message too big", RFC 6455) for
    // the client to see why: Netty reports the frame as a corrupted frame carrying that status,
    // Vert.x the message that would outgrow maxWebSocketMessageSize as an IllegalStateException.
    ws.exceptionHandler(e -> {
      if (e instanceof CorruptedWebSocketFrameException corrupted) {
        ws.close((short) corrupted.closeStatus().code(), corrupted.closeStatus().reasonText());
      } else if (e instanceof IllegalStateException) {
        ws.close((short) 1009, "message too big");
      } else {
        ws.close();
      }
    });
    // The server is stopping and the hub has ended this socket's watches: close now ("going
    // away"), not at the end of the shutdown timeout.
    ws.shutdownHandler(v -> ws.close((short) 1001, "server shutting down"));
  }

  private void closeIfIdle() {
    if (watches.isEmpty() && System.nanoTime() - lastHeard >= idleMillis * 1_000_000 && !ws.isClosed()) {
      ws.close((short) 1000, "idle");
    }
  }

  private void onMessage(String text) {
    lastHeard = System.nanoTime();
    JsonObject msg;
    try {
      msg = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      sendError(null, "invalid-json", "a message must be a JSON object");
      return;
    }
    Object op = msg.getValue("op");
    Object id = msg.getValue("id");
    if (!(id instanceof String watchId) || watchId.isEmpty() || watchId.length() > MAX_ID_LENGTH) {
      sendError(null, "invalid-message", "a message needs an id: a string of 1 to " + MAX_ID_LENGTH + " characters");
      return;
    }
    if ("watch".equals(op)) {
      watch(watchId, msg);
    } else if ("cancel".equals(op)) {
      cancel(watchId);
    } else {
      sendError(watchId, "unknown-op", "op must be watch or cancel");
    }
  }

  private void watch(String id, JsonObject msg) {
    if (!Access.active(handshake)) {
      tokenEnded();
      return;
    }
    if (watches.containsKey(id)) {
      sendError(id, "duplicate-id", "a watch with this id is already open");
      return;
    }
    if (watches.size() >= maxWatches) {
      sendError(id, "too-many-watches", "at most " + maxWatches + " watches per connection");
      return;
    }
    long waitMillis = watchPermits.getAsLong();
    if (waitMillis > 0) {
      sendError(id, "rate-limited", "too many reads from this client; retry after " + waitMillis + " ms");
      return;
    }
    Object from = msg.getValue("fromRevision");
    WatchFilter filter;
    try {
      filter = WatchFilter.of(msg.getValue("key"), msg.getValue("prefix"));
    } catch (ApiException e) {
      sendError(id, e.code().equals("invalid-key") ? "invalid-key" : "invalid-message", e.detail());
      return;
    }
    ApiException denied = Access.denial(handshake, Role.READ, filter.key() != null ? filter.key() : filter.prefix());
    if (denied != null) {
      sendError(id, "forbidden", denied.detail());
      return;
    }
    long fromRevision = 0;
    if (from != null) {
      // 0, like an absent fromRevision, means "from the next revision" (as on SSE).
      if (!(from instanceof Integer || from instanceof Long) || ((Number) from).longValue() < 0) {
        sendError(id, "invalid-message", "fromRevision must be a whole number >= 0");
        return;
      }
      fromRevision = ((Number) from).longValue();
    }
    try {
      long revision = store.revision();
      Watch watch = hub.open(id, filter, fromRevision, this);
      watches.put(id, watch);
      send(new JsonWriter(64).beginObject().field("id", id).field("created", true).field("revision", revision)
          .endObject().buffer());
    } catch (StoreException.Compacted e) {
      send(new JsonWriter(64).beginObject().field("id", id).field("error", "compacted")
          .field("compactRevision", e.compactRevision()).endObject().buffer());
    }
  }

  private void tokenEnded() {
    for (Watch watch : List.copyOf(watches.values())) {
      hub.end(watch, "token-revoked", "lastRevision", watch.lastRevision());
    }
    if (!ws.isClosed()) {
      ws.close((short) 1008, "token revoked or expired");
    }
  }

  private void cancel(String id) {
    Watch watch = watches.remove(id);
    if (watch == null) {
      sendError(id, "unknown-id", "no open watch has this id");
      return;
    }
    hub.close(watch);
    send(new JsonWriter(48).beginObject().field("id", id).field("canceled", true).endObject().buffer());
  }

  private void sendError(String id, String code, String detail) {
    JsonWriter json = new JsonWriter(128).beginObject();
    if (id != null) {
      json.field("id", id);
    }
    send(json.field("error", code).field("detail", detail).endObject().buffer());
  }

  private void send(Buffer message) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(message.toString(StandardCharsets.UTF_8));
    }
  }

  @Override
  public boolean events(Watch watch, long revision, Buffer eventsArray) {
    if (!ws.isClosed()) {
      ws.writeTextMessage(EventsMessage.text(watch.id(), eventsArray));
    }
    return !ws.writeQueueFull();
  }

  @Override
  public void progress(Watch watch, long revision) {
    send(new JsonWriter(48).beginObject().field("id", watch.id()).field("progress", revision).endObject().buffer());
  }

  @Override
  public void error(Watch watch, String code, String field, long revision) {
    watches.remove(watch.id());
    send(new JsonWriter(80).beginObject().field("id", watch.id()).field("error", code).field(field, revision)
        .endObject().buffer());
  }

  @Override
  public boolean writable() {
    return !ws.isClosed() && !ws.writeQueueFull();
  }

  @Override
  public void onDrain(Runnable action) {
    drainActions.add(action);
  }
}
