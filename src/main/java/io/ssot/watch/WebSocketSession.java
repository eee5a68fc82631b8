package io.ssot.watch;

import io.ssot.http.ApiException;
import io.ssot.http.Limits;
import io.ssot.protocol.ClientName;
import io.ssot.protocol.Problem;
import io.ssot.protocol.ViewDigest;
import io.ssot.protocol.WatchEncoder;
import io.ssot.protocol.WatchMessage;
import io.ssot.protocol.WatchRequest;
import io.ssot.security.Access;
import io.ssot.security.AuthHandler;
import io.ssot.security.Principal;
import io.ssot.security.Role;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
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
public final class WebSocketSession extends ConnectionSink {

  /** Slices of a large events array sent as frames: under the 64 KiB a Vert.x client takes by default. */
  private static final int FRAGMENT_BYTES = 32 << 10;
  /** A server frame's header: at most 10 bytes, counted with each message. */
  private static final int FRAME_HEADER_BYTES = 10;

  private final ServerWebSocket ws;
  private final WatchHub hub;
  private final MvccStore store;
  private final int maxWatches;
  private final LongSupplier watchPermits;
  private final long idleMillis;
  private final long idleTimer;
  private long lastHeard = System.nanoTime();
  private final Map<String, Watch> watches = new HashMap<>();
  private final StrictUtf8 utf8 = new StrictUtf8();
  /** Whether a text message's frames are arriving. */
  private boolean inText;
  /** The text message Vert.x has assembled, handed on once its last frame is checked. */
  private String assembled;
  /** The handshake request: its principal authorises each watch. */
  private final RoutingContext handshake;
  /** This connection on {@code GET /v1/clients}: the client's names and its acks. */
  private final ConnectedClient client;

  /**
   * @param watchPermits 0 when the client may open one more watch, else the milliseconds to wait
   * @param handshake    the upgraded request, holding the principal whose roles each watch needs
   */
  public WebSocketSession(ServerWebSocket ws, WatchHub hub, Limits limits, LongSupplier watchPermits,
                          RoutingContext handshake, WatchRoutes.ClientNames names) {
    super(hub.newOutput(Vertx.currentContext(), ws.isSsl()), hub.slowConsumerGraceMillis());
    this.ws = ws;
    this.handshake = handshake;
    this.hub = hub;
    this.store = hub.store();
    this.maxWatches = limits.maxWatchesPerConnection();
    this.watchPermits = watchPermits;
    this.idleMillis = limits.webSocketIdleMillis();
    Principal principal = Access.principal(handshake);
    this.client = hub.clients().add(names.clientId(), names.application(), names.instance(),
        AuthHandler.address(handshake), principal.name(), principal.tokenId());
    // Vert.x assembles the message (and enforces its size); it is acted on only once the frame
    // handler, called after the assembler for the same frame, has found every frame UTF-8.
    ws.textMessageHandler(text -> assembled = text);
    ws.frameHandler(this::checkText);
    ws.binaryMessageHandler(b -> {
      lastHeard = System.nanoTime();
      sendError(null, Problem.BINARY_NOT_SUPPORTED, "send JSON text messages");
    });
    Vertx vertx = Vertx.currentContext().owner();
    idleTimer = vertx.setPeriodic(Math.max(10, idleMillis / 4), id -> closeIfIdle());
    Runnable unfollow = Access.onTokenEnd(handshake, this::tokenEnded);
    ws.closeHandler(v -> {
      unfollow.run();
      hub.clients().remove(client);
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

  private void checkText(WebSocketFrame frame) {
    if (!frame.isText() && !(frame.isContinuation() && inText)) {
      return;
    }
    inText = !frame.isFinal();
    if (!utf8.feed(frame.binaryData().getBytes(), frame.isFinal())) {
      inText = false;
      assembled = null;
      ws.close((short) 1007, "text message is not valid UTF-8");
      return;
    }
    if (frame.isFinal() && assembled != null) {
      String text = assembled;
      assembled = null;
      onMessage(text);
    }
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
      sendError(null, Problem.INVALID_JSON, "a message must be a JSON object");
      return;
    }
    Object op = msg.getValue("op");
    Object id = msg.getValue("id");
    if (!(id instanceof String watchId) || watchId.isEmpty() || watchId.length() > WatchRequest.MAX_ID_LENGTH) {
      sendError(null, Problem.INVALID_MESSAGE,
          "a message needs an id: a string of 1 to " + WatchRequest.MAX_ID_LENGTH + " characters");
      return;
    }
    if ("watch".equals(op)) {
      watch(watchId, msg);
    } else if ("cancel".equals(op)) {
      cancel(watchId);
    } else if ("ack".equals(op)) {
      ack(watchId, msg);
    } else {
      sendError(watchId, Problem.UNKNOWN_OP, "op must be watch, cancel or ack");
    }
  }

  private void watch(String id, JsonObject msg) {
    if (!Access.active(handshake)) {
      tokenEnded();
      return;
    }
    if (watches.containsKey(id)) {
      sendError(id, Problem.DUPLICATE_ID, "a watch with this id is already open");
      return;
    }
    if (watches.size() >= maxWatches) {
      sendError(id, Problem.TOO_MANY_WATCHES, "at most " + maxWatches + " watches per connection");
      return;
    }
    long waitMillis = watchPermits.getAsLong();
    if (waitMillis > 0) {
      sendError(id, Problem.RATE_LIMITED, "too many reads from this client; retry after " + waitMillis + " ms");
      return;
    }
    Object from = msg.getValue("fromRevision");
    WatchFilter filter;
    try {
      filter = WatchFilter.of(msg.getValue("key"), msg.getValue("prefix"));
    } catch (ApiException e) {
      sendError(id, e.problem() == Problem.INVALID_KEY ? Problem.INVALID_KEY : Problem.INVALID_MESSAGE, e.detail());
      return;
    }
    ApiException denied = Access.denial(handshake, Role.READ, filter.key() != null ? filter.key() : filter.prefix());
    if (denied != null) {
      sendError(id, Problem.FORBIDDEN, denied.detail());
      return;
    }
    long fromRevision = 0;
    if (from != null) {
      // 0, like an absent fromRevision, means "from the next revision" (as on SSE).
      if (!(from instanceof Integer || from instanceof Long) || ((Number) from).longValue() < 0) {
        sendError(id, Problem.INVALID_MESSAGE, "fromRevision must be a whole number >= 0");
        return;
      }
      fromRevision = ((Number) from).longValue();
    }
    try {
      long revision = hub.tellableRevision();
      Watch watch = hub.open(id, filter, fromRevision, this);
      watches.put(id, watch);
      send(new WatchMessage.Created(id, revision));
    } catch (StoreException.Compacted e) {
      send(new WatchMessage.Ended(id, Problem.COMPACTED, e.compactRevision()));
    }
  }

  /**
   * {@code {"op":"ack","id":…,"revision":R,"digest":…}}: the client has applied the watch's
   * changes up to R; its view of the watched prefix then has that {@link ViewDigest} (optional).
   * Kept in the connection's fixed-size record; a differing digest is answered with
   * {@code {"id":…,"drifted":R,"digest":<server's>}}.
   */
  private void ack(String id, JsonObject msg) {
    Watch watch = watches.get(id);
    if (watch == null) {
      sendError(id, Problem.UNKNOWN_ID, "no open watch has this id");
      return;
    }
    Object revision = msg.getValue("revision");
    if (!(revision instanceof Integer || revision instanceof Long) || ((Number) revision).longValue() < 0) {
      sendError(id, Problem.INVALID_MESSAGE, "revision must be a whole number >= 0");
      return;
    }
    Object digest = msg.getValue("digest");
    if (digest != null && !(digest instanceof String d && ViewDigest.wellFormed(d))) {
      sendError(id, Problem.INVALID_MESSAGE, "digest must be " + ViewDigest.HEX_LENGTH + " lower-case hex digits");
      return;
    }
    WatchFilter filter = watch.filter;
    boolean key = filter.key() != null;
    boolean kept = hub.clients().ack(client, id, key ? filter.key() : filter.prefix(), key,
        ((Number) revision).longValue(), (String) digest,
        (watchId, at, serverDigest) -> send(new WatchMessage.Drifted(watchId, at, serverDigest)));
    if (!kept) {
      sendError(id, Problem.TOO_MANY_ACKS, "the server keeps the acks of at most " + ClientName.MAX_ACKED_WATCHES
          + " watches per connection");
    }
  }

  private void tokenEnded() {
    for (Watch watch : List.copyOf(watches.values())) {
      hub.end(watch, Problem.TOKEN_REVOKED, watch.lastRevision());
    }
    if (!ws.isClosed()) {
      ws.close((short) 1008, "token revoked or expired");
    }
  }

  private void cancel(String id) {
    Watch watch = watches.remove(id);
    if (watch == null) {
      sendError(id, Problem.UNKNOWN_ID, "no open watch has this id");
      return;
    }
    hub.close(watch);
    client.forget(id);
    send(new WatchMessage.Canceled(id));
  }

  private void sendError(String id, Problem problem, String detail) {
    send(new WatchMessage.Refused(id, problem, detail));
  }

  private Future<Void> send(WatchMessage message) {
    if (ws.isClosed()) {
      return Future.succeededFuture();
    }
    byte[] bytes = WatchEncoder.json(message);
    String text = new String(bytes, StandardCharsets.UTF_8);
    return output.sendAnyway(bytes.length + FRAME_HEADER_BYTES, () -> ws.writeTextMessage(text));
  }

  @Override
  public boolean events(Watch watch, long revision, EventsPayload events) {
    if (ws.isClosed()) {
      return true;
    }
    if (!events.shared()) {
      EventsMessage message = EventsMessage.of(watch.id(), events.bytes);
      return output.send(message.bytes + FRAME_HEADER_BYTES, null, () -> ws.writeTextMessage(message.text));
    }
    // One text message in fragments: this watch's head, the shared array in slices (each a frame
    // a client's default maximum accepts), the closing brace. Nothing of the array is copied.
    byte[] head = WatchEncoder.eventsHead(watch.id());
    int fragments = (events.size() + FRAGMENT_BYTES - 1) / FRAGMENT_BYTES;
    long own = head.length + EventsMessage.END.length() + (fragments + 2L) * FRAME_HEADER_BYTES;
    return output.send(own, events, () -> {
      ws.writeFrame(WebSocketFrame.textFrame(new String(head, StandardCharsets.UTF_8), false));
      for (int from = 0; from < events.size(); from += FRAGMENT_BYTES) {
        ws.writeFrame(WebSocketFrame.continuationFrame(
            events.bytes.slice(from, Math.min(events.size(), from + FRAGMENT_BYTES)), false));
      }
      return ws.writeFrame(WebSocketFrame.continuationFrame(EventsMessage.END, true));
    });
  }

  @Override
  public void progress(Watch watch, long revision) {
    send(new WatchMessage.Progress(watch.id(), revision));
  }

  /**
   * Sends the watch's error. If the client does not take it within the slow-consumer grace, it
   * is not reading: the connection is closed, so that what is queued for it is freed.
   */
  @Override
  public void error(Watch watch, Problem problem, long revision) {
    watches.remove(watch.id());
    client.forget(watch.id());
    Future<Void> sent = send(new WatchMessage.Ended(watch.id(), problem, revision));
    abortUnlessTaken(sent, () -> HardClose.connection(handshake.request().connection()));
  }
}
