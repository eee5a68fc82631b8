package io.ssot.bench;

import io.ssot.http.EntryJson;
import io.ssot.protocol.JsonBytes;
import io.ssot.protocol.WatchEncoder;
import io.ssot.protocol.WatchMessage;
import io.ssot.store.Entry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Watch fan-out load: opens N watches, by default one per WebSocket (as a fleet of clients
 * would); with {@code watchesPerConnection} k they share N/k sockets, k each (as a client library
 * multiplexing a process's watches on one connection does). Then it writes one key at M changes/s and measures, for every (watcher, change), the
 * delivery latency: receive time minus the {@link System#nanoTime} the writer put into the value
 * just before sending it (the same JVM's clock), so the figure covers the write's trip to the
 * server, the commit and the fan-out to that watcher.
 *
 * <p>Against SSOT ({@code ssot}) each socket opens {@code {"op":"watch","id":"w","key":"bench/fanout"}}
 * and the writer PUTs {@code /v1/kv/bench/fanout?durability=local}. Against the bare Vert.x server
 * ({@code bare}, {@link BareVertxServer}) the writer PUTs the very frame SSOT would send to a watcher
 * (rendered with SSOT's own {@link WatchEncoder}) and the server sends it to every socket: the
 * ceiling of the same work without the store, the router or the watch machinery.
 *
 * <p>All of it runs on one event loop, so the receive timestamps need no coordination. Per rate:
 * {@code seconds} of writes, then up to 10 s for the last deliveries; one line per rate, with the
 * deliveries per second over the writes and the wait for the last deliveries:
 * <pre>RESULT target rate writes expected received p50ms p99ms maxms deliveries/s</pre>
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.ssot.bench.WatchFanoutClient <host:port> <ssot|bare>
 * [watchers=10000] [rates=10,100] [seconds=15] [warmupSeconds=5]}
 */
public final class WatchFanoutClient {

  /** The bearer token the watches and writes send (SSOT needs one), from {@code SSOT_ADMIN_TOKEN}. */
  private static final String AUTHORIZATION =
      System.getenv("SSOT_ADMIN_TOKEN") == null ? null : "Bearer " + System.getenv("SSOT_ADMIN_TOKEN");

  private static final String KEY = "bench/fanout";
  private static final String PAD = "x".repeat(56);
  private static final byte[] T_FIELD = "\"value\":{\"t\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] SEQ_FIELD = ",\"seq\":".getBytes(StandardCharsets.US_ASCII);
  private static final int CONNECTS_IN_FLIGHT = 200;

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final boolean bare;
  private final int watchers;
  private final int watchesPerConnection;
  private final HttpClientAgent writer;
  private final WebSocketClient sockets;
  private final List<WebSocket> open = new ArrayList<>();
  private final Histogram latencyMicros = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
  private long seq;
  private long measureFrom = Long.MAX_VALUE;
  private long measureTo = Long.MAX_VALUE;
  private long received;
  private long errorFrames;
  private long writesAcked;
  private long writesFailed;

  private WatchFanoutClient(Vertx vertx, String host, int port, boolean bare, int watchers, int watchesPerConnection) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.bare = bare;
    this.watchers = watchers;
    this.watchesPerConnection = watchesPerConnection;
    this.writer = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(host).setDefaultPort(port)
        .setTcpNoDelay(true), new PoolOptions().setHttp1MaxSize(16));
    this.sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(watchers + 16)
        .setConnectTimeout(30_000));
  }

  public static void main(String[] args) throws Exception {
    String[] hostPort = args[0].split(":");
    boolean bare = switch (args[1]) {
      case "bare" -> true;
      case "ssot" -> false;
      default -> throw new IllegalArgumentException("target must be ssot or bare");
    };
    int watchers = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    String[] rates = (args.length > 3 ? args[3] : "10,100").split(",");
    int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 15;
    int warmupSeconds = args.length > 5 ? Integer.parseInt(args[5]) : 5;
    int watchesPerConnection = args.length > 6 ? Integer.parseInt(args[6]) : 1;
    if (watchesPerConnection < 1 || watchers % watchesPerConnection != 0) {
      throw new IllegalArgumentException("watchers must be a multiple of watchesPerConnection");
    }

    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
    // Everything on the one event loop: the client's state is confined to it.
    Promise<Void> done = Promise.promise();
    vertx.runOnContext(v -> {
      WatchFanoutClient client = new WatchFanoutClient(vertx, hostPort[0], Integer.parseInt(hostPort[1]), bare, watchers,
          watchesPerConnection);
      client.run(rates, seconds, warmupSeconds).onComplete(done);
    });
    try {
      done.future().await();
    } finally {
      vertx.close().await();
    }
  }

  private Future<Void> run(String[] rates, int seconds, int warmupSeconds) {
    long start = System.nanoTime();
    return connectAll().compose(v -> {
      System.out.printf("%s: %d of %d watches open on %d connections in %d ms%n", target(),
          open.size() * watchesPerConnection, watchers, open.size(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      Future<Void> chain = write(Integer.parseInt(rates[0]), warmupSeconds).compose(w -> sleep(2_000));
      for (String rate : rates) {
        int perSecond = Integer.parseInt(rate);
        chain = chain.compose(w -> measure(perSecond, seconds));
      }
      return chain;
    });
  }

  private String target() {
    return bare ? "bare" : "ssot";
  }

  // ---- watchers ---------------------------------------------------------------------------------

  private Future<Void> connectAll() {
    Promise<Void> all = Promise.promise();
    int[] started = {0};
    int[] finished = {0};
    Runnable[] next = new Runnable[1];
    int connections = watchers / watchesPerConnection;
    next[0] = () -> {
      while (started[0] < connections && started[0] - finished[0] < CONNECTS_IN_FLIGHT) {
        started[0]++;
        connect().onComplete(ar -> {
          finished[0]++;
          if (ar.failed()) {
            all.tryFail(ar.cause());
          } else if (finished[0] == connections) {
            all.tryComplete();
          } else {
            next[0].run();
          }
        });
      }
    };
    next[0].run();
    return all.future();
  }

  /** One connection with its watches; completes once they are confirmed (SSOT) or it is connected (bare). */
  private Future<Void> connect() {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(host).setPort(port)
        .setURI(bare ? "/?copies=" + watchesPerConnection : "/v1/watch");
    if (AUTHORIZATION != null) {
      options.addHeader("Authorization", AUTHORIZATION);
    }
    return sockets.connect(options).compose(ws -> {
      open.add(ws);
      Promise<Void> ready = Promise.promise();
      int[] created = {0};
      ws.handler(frame -> onFrame(frame, ready, created));
      ws.closeHandler(v -> open.remove(ws));
      if (bare) {
        ready.complete();
      } else {
        for (int i = 0; i < watchesPerConnection; i++) {
          ws.writeTextMessage("{\"op\":\"watch\",\"id\":\"w" + i + "\",\"key\":\"" + KEY + "\"}");
        }
      }
      return ready.future();
    });
  }

  private void onFrame(Buffer frame, Promise<Void> ready, int[] created) {
    long now = System.nanoTime();
    int t = indexOf(frame, T_FIELD, 0);
    if (t < 0) {
      String text = frame.toString(StandardCharsets.UTF_8);
      if (text.contains("\"created\":true") && ++created[0] == watchesPerConnection) {
        ready.tryComplete();
      } else if (text.contains("\"error\"")) {
        errorFrames++;
        ready.tryFail(text);
        System.err.println("error frame: " + text);
      }
      return;
    }
    int tEnd = t + T_FIELD.length;
    long sentAt = parseLong(frame, tEnd);
    long writeSeq = parseLong(frame, indexOf(frame, SEQ_FIELD, tEnd) + SEQ_FIELD.length);
    if (writeSeq >= measureFrom && writeSeq < measureTo) {
      received++;
      latencyMicros.recordValue(Math.min(latencyMicros.getHighestTrackableValue(),
          Math.max(0, TimeUnit.NANOSECONDS.toMicros(now - sentAt))));
    }
  }

  private static int indexOf(Buffer b, byte[] what, int from) {
    outer:
    for (int i = from, last = b.length() - what.length; i <= last; i++) {
      for (int j = 0; j < what.length; j++) {
        if (b.getByte(i + j) != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static long parseLong(Buffer b, int at) {
    long n = 0;
    for (int i = at; i < b.length(); i++) {
      byte c = b.getByte(i);
      if (c < '0' || c > '9') {
        break;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  // ---- writer -----------------------------------------------------------------------------------

  /** One measured phase: writes at {@code perSecond} for {@code seconds}, then waits for the deliveries. */
  private Future<Void> measure(int perSecond, int seconds) {
    long acked0 = writesAcked;
    received = 0;
    errorFrames = 0;
    latencyMicros.reset();
    measureFrom = seq;
    measureTo = Long.MAX_VALUE;
    long start = System.nanoTime();
    return write(perSecond, seconds).compose(v -> {
      measureTo = seq;
      long writes = writesAcked - acked0;
      long expected = writes * open.size() * watchesPerConnection;
      return drain(expected, System.nanoTime() + TimeUnit.SECONDS.toNanos(10)).map(d -> {
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("RESULT %s %d %d %d %d %.2f %.2f %.2f %.0f%n", target(), perSecond, writes, expected, received,
            latencyMicros.getValueAtPercentile(50) / 1000.0, latencyMicros.getValueAtPercentile(99) / 1000.0,
            latencyMicros.getMaxValue() / 1000.0, received / elapsed);
        if (errorFrames > 0 || writesFailed > 0) {
          System.out.printf("WARNING %s: %d error frames, %d failed writes%n", target(), errorFrames, writesFailed);
        }
        return null;
      });
    });
  }

  private Future<Void> drain(long expected, long deadline) {
    if (received >= expected || System.nanoTime() > deadline) {
      return Future.succeededFuture();
    }
    return sleep(50).compose(v -> drain(expected, deadline));
  }

  /**
   * Writes at {@code perSecond} for {@code seconds} on a schedule (catching up after a late tick,
   * so a busy client does not lower the offered rate); completes when the last write is answered.
   */
  private Future<Void> write(int perSecond, int seconds) {
    Promise<Void> finished = Promise.promise();
    long start = System.nanoTime();
    long total = (long) perSecond * seconds;
    long[] sent = {0};
    long[] answered = {0};
    vertx.setPeriodic(Math.max(1, 1000 / perSecond / 2), timer -> {
      long due = Math.min(total, (System.nanoTime() - start) * perSecond / 1_000_000_000L + 1);
      for (; sent[0] < due; sent[0]++) {
        writeOne().onComplete(ar -> {
          if (ar.succeeded()) {
            writesAcked++;
          } else {
            writesFailed++;
          }
          if (++answered[0] == total) {
            finished.complete();
          }
        });
      }
      if (sent[0] == total) {
        vertx.cancelTimer(timer);
      }
    });
    return finished.future();
  }

  private Future<Void> writeOne() {
    long writeSeq = seq++;
    String value = "{\"t\":" + System.nanoTime() + ",\"seq\":" + writeSeq + ",\"pad\":\"" + PAD + "\"}";
    Buffer body;
    String uri;
    if (bare) {
      // The frame SSOT sends a watcher for this write, at a revision of the same magnitude.
      Entry entry = new Entry(KEY, value.getBytes(StandardCharsets.UTF_8), 1_000 + writeSeq, 2, 999 + writeSeq, 0,
          System.currentTimeMillis(), "anonymous");
      byte[] events = WatchEncoder.event(new JsonBytes(value.length() + 240).ascii("["), EntryJson.event(entry))
          .ascii("]").toByteArray();
      body = Buffer.buffer(WatchEncoder.json(new WatchMessage.Events("w", entry.revision(), events)));
      uri = "/v1/kv/" + KEY;
    } else {
      body = Buffer.buffer(value);
      uri = "/v1/kv/" + KEY + "?durability=local";
    }
    RequestOptions put = new RequestOptions().setMethod(HttpMethod.PUT).setURI(uri)
        .putHeader("Content-Type", "application/json");
    if (AUTHORIZATION != null) {
      put.putHeader("Authorization", AUTHORIZATION);
    }
    return writer.request(put)
        .compose(req -> req.send(body))
        .compose(resp -> resp.statusCode() / 100 == 2 ? resp.end()
            : Future.failedFuture("PUT answered " + resp.statusCode()));
  }

  private Future<Void> sleep(long millis) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(millis, id -> p.complete());
    return p.future();
  }
}
