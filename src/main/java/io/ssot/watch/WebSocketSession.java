package io.ssot.watch;

import io.ssot.api.ApiException;
import io.ssot.api.JsonWriter;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One WebSocket on {@code /v1/watch} carrying any number of watches, each named by the client's
 * {@code id}. A bad message is answered with an error message and the connection stays open.
 */
public final class WebSocketSession implements WatchSink {

  private static final int MAX_ID_LENGTH = 128;

  private final ServerWebSocket ws;
  private final WatchHub hub;
  private final MvccStore store;
  private final int maxWatches;
  private final Map<String, Watch> watches = new HashMap<>();
  private final List<Runnable> drainActions = new ArrayList<>();

  public WebSocketSession(ServerWebSocket ws, WatchHub hub, int maxWatches, long queueBytes) {
    this.ws = ws;
    this.hub = hub;
    this.store = hub.store();
    this.maxWatches = maxWatches;
    ws.setWriteQueueMaxSize((int) Math.min(Integer.MAX_VALUE, queueBytes));
    ws.textMessageHandler(this::onMessage);
    ws.binaryMessageHandler(b -> sendError(null, "binary-not-supported", "send JSON text messages"));
    ws.drainHandler(v -> {
      List<Runnable> actions = List.copyOf(drainActions);
      drainActions.clear();
      actions.forEach(Runnable::run);
    });
    ws.closeHandler(v -> {
      watches.values().forEach(hub::close);
      watches.clear();
    });
    ws.exceptionHandler(e -> ws.close());
    // The server is stopping and the hub has ended this socket's watches: close now ("going
    // away"), not at the end of the shutdown timeout.
    ws.shutdownHandler(v -> ws.close((short) 1001, "server shutting down"));
  }

  private void onMessage(String text) {
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
    if (watches.containsKey(id)) {
      sendError(id, "duplicate-id", "a watch with this id is already open");
      return;
    }
    if (watches.size() >= maxWatches) {
      sendError(id, "too-many-watches", "at most " + maxWatches + " watches per connection");
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
