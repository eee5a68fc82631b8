package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Small answers (a GET of a value under 16 KiB) are not counted in the output budget, and need
 * not be: on an HTTP/1.1 connection whose client sends requests without reading the answers,
 * Vert.x holds the answer that the socket cannot take in its write queue, starts the next
 * pipelined request only once the answer before is handed to the socket, and stops reading the
 * connection once 8 requests wait. So the client cannot make the server answer (and hold) more
 * than its socket buffers take: its own sends stall, however long it goes on.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PipelinedSmallAnswersTest {

  private static final int VALUE_BYTES = 10_000;
  private static final int BATCH = 100;

  @Test
  void aClientThatPipelinesSmallGetsWithoutReadingIsStoppedByTheServer() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port());
         RawHttp raw = new RawHttp(server.port(), 60_000, 4096)) {
      assertEquals(201, http.put("/v1/kv/small", "\"" + "v".repeat(VALUE_BYTES - 2) + "\"").status());
      byte[] request = ("GET /v1/kv/small?raw=true HTTP/1.1\r\nHost: x\r\nAuthorization: " + Http.ADMIN_AUTHORIZATION
          + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
      byte[] batch = new byte[request.length * BATCH];
      for (int i = 0; i < BATCH; i++) {
        System.arraycopy(request, 0, batch, i * request.length, request.length);
      }
      AtomicLong sent = new AtomicLong();
      Thread sender = new Thread(() -> {
        try {
          while (!Thread.currentThread().isInterrupted()) {
            raw.write(batch);
            sent.addAndGet(batch.length);
          }
        } catch (IOException e) {
          // the socket closed at the end of the test
        }
      }, "pipelining-sender");
      sender.setDaemon(true);
      sender.start();

      Thread.sleep(3000);
      long afterThree = sent.get();
      Thread.sleep(3000);
      long afterSix = sent.get();
      System.out.printf("a client not reading sent %d requests (%d KiB) in 3 s, then %d more in 3 s%n",
          afterThree / request.length, afterThree >> 10, (afterSix - afterThree) / request.length);
      assertEquals(afterThree, afterSix, "the client's sends stall: the server stopped reading its connection");
      // Unbounded, the server would have answered 10 KB to each: here what the sockets' buffers hold, a few MiB.
      assertTrue(afterSix < (32 << 20), (afterSix >> 20) + " MiB of requests were taken");

      // The server still serves others, and this client gets its answers, in order, once it reads.
      assertEquals(200, http.get("/v1/kv/small").status());
      for (int i = 0; i < 1000; i++) {
        Http.Response r = raw.readFinal();
        assertEquals(200, r.status(), "answer " + i);
        assertEquals(VALUE_BYTES, r.body().length(), "answer " + i);
      }
    } finally {
      vertx.close().await();
    }
  }
}
