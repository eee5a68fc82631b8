package io.ssot;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Watch clients for tests: a WebSocket and an SSE stream whose messages land in a queue. Both
 * authenticate with the suite's admin token unless given another authorization (or null for none).
 */
final class WatchClients {

  private WatchClients() {
  }

  /** A WebSocket on /v1/watch; every text message is queued as JSON. */
  static final class Ws implements AutoCloseable {
    final WebSocket socket;
    final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    /** Completes with the close status the server sent when the socket closes. */
    final java.util.concurrent.CompletableFuture<Short> closed = new java.util.concurrent.CompletableFuture<>();
    private final WebSocketClient client;

    Ws(Vertx vertx, int port) {
      this(vertx, port, Http.ADMIN_AUTHORIZATION);
    }

    /** @param authorization the Authorization header, or null for none */
    Ws(Vertx vertx, int port, String authorization) {
      this(vertx, port, authorization, "/v1/watch");
    }

    /** @param uri the upgrade's path and query, such as {@code /v1/watch?clientId=c1} */
    Ws(Vertx vertx, int port, String authorization, String uri) {
      client = vertx.createWebSocketClient();
      io.vertx.core.http.WebSocketConnectOptions options = new io.vertx.core.http.WebSocketConnectOptions()
          .setPort(port).setHost("127.0.0.1").setURI(uri);
      if (authorization != null) {
        options.addHeader("Authorization", authorization);
      }
      WebSocket connected;
      try {
        connected = client.connect(options).await();
      } catch (RuntimeException e) {
        client.close();
        throw e;
      }
      socket = connected;
      socket.textMessageHandler(text -> messages.add(new JsonObject(text)));
      socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
    }

    void send(JsonObject message) {
      socket.writeTextMessage(message.encode()).await();
    }

    JsonObject next() throws InterruptedException {
      JsonObject m = messages.poll(10, TimeUnit.SECONDS);
      if (m == null) {
        throw new AssertionError("no WebSocket message within 10 s");
      }
      return m;
    }

    @Override
    public void close() {
      if (!socket.isClosed()) {
        socket.close().await();
      }
      client.close().await();
    }
  }

  /** One SSE message. */
  record Event(String id, String event, String data) {
    JsonObject json() {
      return new JsonObject(data);
    }
  }

  /** An SSE stream on /v1/watch; each complete message is queued. */
  static final class Sse implements AutoCloseable {
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    /** Completes when the server ends the stream. */
    final java.util.concurrent.CompletableFuture<Void> ended = new java.util.concurrent.CompletableFuture<>();
    final int status;
    private final HttpClientRequest request;
    private final StringBuilder pending = new StringBuilder();

    Sse(HttpClient client, String uri, Map<String, String> headers) {
      this(client, uri, headers, Http.ADMIN_AUTHORIZATION);
    }

    /** @param authorization the Authorization header, or null for none */
    Sse(HttpClient client, String uri, Map<String, String> headers, String authorization) {
      // Everything after the connection is set up runs on its event loop, so the handlers are
      // in place before the first chunk (or the end of a short refusal) can arrive.
      AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
      status = client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri)).compose(req -> {
        sent.set(req);
        req.putHeader("Accept", "text/event-stream");
        if (authorization != null) {
          req.putHeader("Authorization", authorization);
        }
        headers.forEach(req::putHeader);
        return req.send().map(response -> {
          response.handler(this::onData);
          response.endHandler(v -> ended.complete(null));
          response.exceptionHandler(ended::completeExceptionally);
          return response.statusCode();
        });
      }).await();
      request = sent.get();
    }

    private synchronized void onData(Buffer chunk) {
      pending.append(chunk.toString());
      int end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        String block = pending.substring(0, end);
        pending.delete(0, end + 2);
        String id = null;
        String event = "message";
        StringBuilder data = new StringBuilder();
        for (String line : block.split("\n")) {
          if (line.startsWith("id: ")) {
            id = line.substring(4);
          } else if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ")) {
            data.append(line.substring(6));
          }
        }
        if (data.length() > 0) {
          events.add(new Event(id, event, data.toString()));
        }
      }
    }

    Event next() throws InterruptedException {
      Event e = events.poll(10, TimeUnit.SECONDS);
      if (e == null) {
        throw new AssertionError("no SSE message within 10 s");
      }
      return e;
    }

    io.vertx.core.http.HttpConnection connection() {
      return request.connection();
    }

    io.vertx.core.http.HttpVersion version() {
      return request.version();
    }

    @Override
    public void close() {
      request.reset();
    }
  }
}
