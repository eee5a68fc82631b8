package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client's one WebSocket on {@code /v1/watch}, carrying all of its watches. Everything
 * happens on one thread ({@code dispatcher}): messages are handled, and listeners called, in the
 * order they arrive; the next message is asked for only when one is handled, so a slow listener
 * makes the server's queue fill (and the watch end with {@code slow-consumer}, which is resumed)
 * rather than this client's memory.
 *
 * <p>Each watch remembers the next revision it waits for. When the socket is lost (server
 * stopping, crash, network), it is reopened on the same or the next endpoint, with backoff, and
 * every watch reopened from that revision: no gap, no duplicate. Each (re)opening gets a new wire
 * id, so that a late message for an old one is ignored.
 *
 * <p>A socket that hears nothing (no message, no pong to the pings sent while it is quiet) for
 * {@code idleTimeout} is taken for dead (a peer gone without closing, a network cut) and replaced.
 */
final class WatchConnection {

  private static final Logger LOG = Logger.getLogger(WatchConnection.class.getName());

  private final Transport transport;
  private final ExecutorService dispatcher;
  private final ScheduledExecutorService timers;
  private final Duration connectTimeout;
  private final long idleNanos;
  private final AtomicLong ids = new AtomicLong();
  /** The upgrade's query naming this client ({@code ?clientId=…}), or "". */
  private final String nameQuery;

  // Dispatcher-thread state.
  private final Map<String, ClientWatch> byWireId = new HashMap<>();
  private final List<ClientWatch> watches = new ArrayList<>();
  private Socket current;
  private boolean connecting;
  private int endpoint;
  private Duration backoff = Transport.BACKOFF_MIN;
  private boolean closed;

  WatchConnection(Transport transport, ExecutorService dispatcher, ScheduledExecutorService timers,
                  Duration connectTimeout, Duration idleTimeout, String nameQuery) {
    this.nameQuery = nameQuery;
    this.transport = transport;
    this.dispatcher = dispatcher;
    this.timers = timers;
    this.connectTimeout = connectTimeout;
    this.idleNanos = idleTimeout.toNanos();
    this.endpoint = transport.preferred();
    long check = Math.max(100, idleTimeout.toMillis() / 3);
    timers.scheduleWithFixedDelay(() -> dispatcher.execute(this::checkIdle), check, check, TimeUnit.MILLISECONDS);
  }

  /** Pings a quiet socket; replaces one that stayed silent for the idle timeout. */
  private void checkIdle() {
    Socket s = current;
    if (s == null) {
      return;
    }
    long silent = System.nanoTime() - s.lastHeard;
    if (silent > idleNanos) {
      LOG.warning("the watch connection heard nothing for " + Duration.ofNanos(silent).toMillis() + " ms: reconnecting");
      s.ws.thenAccept(WebSocket::abort);
      lost(s);
    } else if (silent > idleNanos / 3) {
      s.ws.thenAccept(ws -> ws.sendPing(java.nio.ByteBuffer.allocate(0)));
    }
  }

  /** Opens a watch of a key or a prefix from {@code fromRevision} (0: from the next revision). */
  Watch open(String key, String prefix, long fromRevision, WatchListener listener) {
    ClientWatch w = new ClientWatch(key, prefix, fromRevision, listener);
    dispatcher.execute(() -> {
      if (closed) {
        return;
      }
      watches.add(w);
      if (current != null) {
        send(w);
      } else {
        connect();
      }
    });
    return w;
  }

  /**
   * Tells the server the watch's listener has applied every change up to {@code revision} and
   * that its view then has {@code digest} (a {@link io.ssot.protocol.ViewDigest}; null for none).
   * Remembered, and sent again when the watch is reopened on a new socket.
   */
  void ack(Watch watch, long revision, String digest) {
    ClientWatch w = (ClientWatch) watch;
    try {
      dispatcher.execute(() -> {
        if (closed || !watches.contains(w) || w.ackRefused) {
          return;
        }
        w.ackedRevision = revision;
        w.ackedDigest = digest;
        if (current != null && w.wireId != null) {
          sendAck(w);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closing) {
      // The client is closing: nothing to tell.
    }
  }

  private void sendAck(ClientWatch w) {
    ObjectNode ack = Json.MAPPER.createObjectNode().put("op", "ack").put("id", w.wireId).put("revision", w.ackedRevision);
    if (w.ackedDigest != null) {
      ack.put("digest", w.ackedDigest);
    }
    current.send(ack.toString());
  }

  void close() {
    dispatcher.execute(() -> {
      closed = true;
      watches.clear();
      byWireId.clear();
      if (current != null) {
        Socket s = current;
        current = null;
        s.ws.thenAccept(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closing"));
      }
    });
  }

  // ---- dispatcher thread ---------------------------------------------------------------------

  private void connect() {
    if (connecting || current != null || closed || watches.isEmpty()) {
      return;
    }
    connecting = true;
    URI http = transport.endpoints().get(endpoint);
    URI uri = URI.create((http.getScheme().equals("https") ? "wss" : "ws") + "://" + http.getRawAuthority()
        + "/v1/watch" + nameQuery);
    WebSocket.Builder b = transport.http().newWebSocketBuilder().connectTimeout(connectTimeout);
    if (transport.token() != null) {
      b.header("Authorization", "Bearer " + transport.token());
    }
    Socket socket = new Socket();
    // A server that takes the connection but never answers the handshake (frozen, overloaded)
    // must not hold the reconnection up for ever.
    CompletableFuture<WebSocket> handshake = b.buildAsync(uri, socket)
        .orTimeout(connectTimeout.toMillis() + idleNanos / 1_000_000, TimeUnit.MILLISECONDS);
    handshake.whenComplete((ws, error) -> dispatcher.execute(() -> {
      connecting = false;
      if (closed) {
        if (ws != null) {
          ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closing");
        }
        return;
      }
      if (error != null) {
        LOG.log(Level.FINE, "watch connection to " + uri + " failed", error);
        retryLater();
        return;
      }
      current = socket;
      socket.ws = CompletableFuture.completedFuture(ws);
      backoff = Transport.BACKOFF_MIN;
      byWireId.clear();
      for (ClientWatch w : watches) {
        send(w);
      }
    }));
  }

  /** The next endpoint, after a pause that doubles while none answers. */
  private void retryLater() {
    endpoint = (endpoint + 1) % transport.endpoints().size();
    Duration wait = Transport.jitter(backoff);
    backoff = backoff.multipliedBy(2).compareTo(Transport.BACKOFF_MAX) > 0 ? Transport.BACKOFF_MAX : backoff.multipliedBy(2);
    timers.schedule(() -> dispatcher.execute(this::connect), wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void lost(Socket socket) {
    if (socket != current) {
      return;
    }
    current = null;
    byWireId.clear();
    if (!closed && !watches.isEmpty()) {
      retryLater();
    }
  }

  private void send(ClientWatch w) {
    if (w.wireId != null) {
      byWireId.remove(w.wireId);
    }
    w.wireId = "w" + ids.incrementAndGet();
    byWireId.put(w.wireId, w);
    ObjectNode open = Json.MAPPER.createObjectNode().put("op", "watch").put("id", w.wireId);
    if (w.key != null) {
      open.put("key", w.key);
    } else {
      open.put("prefix", w.prefix);
    }
    if (w.next > 0) {
      open.put("fromRevision", w.next);
    }
    current.send(open.toString());
    if (w.ackedRevision >= 0) {
      sendAck(w);
    }
  }

  private void cancel(ClientWatch w) {
    if (!watches.remove(w)) {
      return;
    }
    if (w.wireId != null && byWireId.remove(w.wireId) != null && current != null) {
      current.send(Json.MAPPER.createObjectNode().put("op", "cancel").put("id", w.wireId).toString());
    }
    if (watches.isEmpty() && current != null) {
      // Nothing left to watch: the server would close an idle socket anyway.
      Socket s = current;
      current = null;
      s.ws.thenAccept(ws -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "no watches"));
    }
  }

  private void handle(String text) {
    JsonNode m;
    try {
      m = Json.parse(text);
    } catch (RuntimeException e) {
      LOG.warning("malformed watch message ignored: " + e);
      return;
    }
    ClientWatch w = byWireId.get(m.path("id").asText(""));
    if (w == null) {
      if (m.has("error") && !m.has("id")) {
        LOG.warning("watch connection error: " + text);
      }
      return; // canceled, or of an earlier opening
    }
    try {
      if (m.has("events")) {
        List<WatchEvent> events = new ArrayList<>(m.get("events").size());
        for (JsonNode e : m.get("events")) {
          events.add(WatchEvent.of(e));
        }
        long revision = events.isEmpty() ? 0 : events.get(0).revision();
        if (revision >= w.next) { // an older revision was already delivered: a duplicate
          w.next = revision + 1;
          w.listener.onEvents(revision, events);
        }
      } else if (m.has("progress")) {
        long r = m.get("progress").asLong();
        if (r + 1 > w.next) {
          w.next = r + 1;
          w.listener.onProgress(r);
        }
      } else if (m.has("created")) {
        if (w.next == 0) {
          w.next = m.path("revision").asLong() + 1;
        }
      } else if (m.has("drifted")) {
        w.listener.onDrifted(m.get("drifted").asLong());
      } else if ("too-many-acks".equals(m.path("error").asText())) {
        // The server keeps the acks of so many watches per connection; this one stays open unacked.
        LOG.warning("the server keeps no more acks on this connection: " + text);
        w.ackRefused = true;
      } else if (m.has("error")) {
        ended(w, m);
      }
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a watch listener failed", e);
    }
  }

  private void ended(ClientWatch w, JsonNode m) {
    String code = m.get("error").asText();
    byWireId.remove(w.wireId);
    w.wireId = null;
    switch (code) {
      case "compacted" -> {
        watches.remove(w);
        w.listener.onCompacted(m.path("compactRevision").asLong());
      }
      case "slow-consumer" -> {
        // Resume on this socket from the revision after the last one delivered.
        w.next = Math.max(w.next, m.path("lastRevision").asLong() + 1);
        send(w);
      }
      case "shutting-down" -> {
        // The server closes the socket next; the reconnection reopens the watch.
        w.next = Math.max(w.next, m.path("lastRevision").asLong() + 1);
      }
      default -> {
        watches.remove(w);
        ObjectNode problem = Json.MAPPER.createObjectNode().put("code", code);
        if (m.has("detail")) {
          problem.put("detail", m.get("detail").asText());
        }
        w.listener.onError(new SsotException(0, code, "watch " + (w.key != null ? w.key : w.prefix) + " ended: "
            + code + (m.has("detail") ? ": " + m.get("detail").asText() : ""), problem, null));
      }
    }
  }

  /** One watch as the client knows it across (re)openings. */
  private final class ClientWatch implements Watch {
    final String key;
    final String prefix;
    final WatchListener listener;
    /** The next revision to deliver; 0 until the server first says where the watch starts. */
    volatile long next;
    String wireId;
    /** The last ack, sent again on a new socket; -1 before the first. */
    long ackedRevision = -1;
    String ackedDigest;
    boolean ackRefused;

    ClientWatch(String key, String prefix, long fromRevision, WatchListener listener) {
      this.key = key;
      this.prefix = prefix;
      this.next = fromRevision;
      this.listener = listener;
    }

    @Override
    public long nextRevision() {
      return next;
    }

    @Override
    public void close() {
      dispatcher.execute(() -> cancel(this));
    }
  }

  /** One WebSocket; its messages are handed to the dispatcher whole. */
  private final class Socket implements WebSocket.Listener {
    /** Sends are chained: the JDK takes the next only when the last one is done. */
    CompletableFuture<WebSocket> ws;
    volatile long lastHeard = System.nanoTime();
    private final StringBuilder text = new StringBuilder();

    void send(String message) {
      ws = ws.thenCompose(s -> s.sendText(message, true));
      ws.exceptionally(e -> {
        dispatcher.execute(() -> lost(this));
        return null;
      });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onPong(WebSocket webSocket, java.nio.ByteBuffer message) {
      lastHeard = System.nanoTime();
      webSocket.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      lastHeard = System.nanoTime();
      text.append(data);
      if (!last) {
        webSocket.request(1);
        return null;
      }
      String message = text.toString();
      text.setLength(0);
      dispatcher.execute(() -> {
        try {
          if (current == this) {
            handle(message);
          }
        } finally {
          // Silence counts from when the client is ready to hear again, not while a listener ran.
          lastHeard = System.nanoTime();
          webSocket.request(1);
        }
      });
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      dispatcher.execute(() -> lost(this));
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      dispatcher.execute(() -> lost(this));
    }
  }
}
