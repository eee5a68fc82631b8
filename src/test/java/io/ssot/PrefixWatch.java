package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Two watchers of one prefix on one node, from one revision on: a WebSocket and an SSE stream,
 * each on a single connection that it never reopens, so what they saw is what one connection
 * delivered. {@link #assertSawExactly} drains both and compares the revisions they saw with the
 * ones expected.
 */
final class PrefixWatch implements AutoCloseable {

  private final int port;
  private final WatchClients.Ws ws;
  private final HttpClient sseClient;
  private final WatchClients.Sse sse;
  private final List<Long> wsSeen = new ArrayList<>();
  private final List<Long> sseSeen = new ArrayList<>();

  PrefixWatch(Vertx vertx, int port, String prefix, long fromRevision) throws InterruptedException {
    this.port = port;
    ws = new WatchClients.Ws(vertx, port);
    ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", prefix).put("fromRevision", fromRevision));
    assertEquals(true, ws.next().getBoolean("created"), "the WebSocket watch on " + port);
    sseClient = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    sse = new WatchClients.Sse(sseClient, "/v1/watch?prefix=" + prefix + "&fromRevision=" + fromRevision, Map.of());
    assertEquals(200, sse.status, "the SSE watch on " + port);
  }

  /** The revisions each watcher received up to {@code last}, drained from their queues. */
  void drainTo(long last) throws InterruptedException {
    while (wsSeen.isEmpty() || wsSeen.get(wsSeen.size() - 1) < last) {
      JsonArray events = ws.next().getJsonArray("events");
      if (events != null) { // else a progress message
        wsSeen.add(events.getJsonObject(0).getLong("revision"));
      }
    }
    while (sseSeen.isEmpty() || sseSeen.get(sseSeen.size() - 1) < last) {
      WatchClients.Event e = sse.next();
      if (e.event().equals("change")) {
        sseSeen.add(e.json().getLong("revision"));
      }
    }
  }

  /**
   * Both watchers saw exactly {@code expected} (each revision once, in order; {@code expected}
   * ends with the last revision to wait for) on the connection they opened, still open.
   */
  void assertSawExactly(List<Long> expected) throws InterruptedException {
    drainTo(expected.get(expected.size() - 1));
    assertEquals(expected, wsSeen, "the WebSocket watcher on " + port + " saw every revision once, in order");
    assertEquals(expected, sseSeen, "the SSE watcher on " + port + " saw every revision once, in order");
    assertFalse(ws.closed.isDone(), "the WebSocket on " + port + " stayed connected");
    assertFalse(sse.ended.isDone(), "the SSE stream on " + port + " stayed connected");
  }

  @Override
  public void close() {
    ws.close();
    sse.close();
    sseClient.close().await();
  }
}
