package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Found by {@link FuzzTest}: a body that breaks off (malformed chunk framing, or the client gone
 * mid-body) was failed as an internal error (500, logged as an error). It is the request's fault:
 * 400, nothing written, nothing logged as an error.
 */
@Timeout(60)
class BrokenBodyTest {

  @Test
  void aBodyThatBreaksOffIs400AndNotAnError() throws Exception {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(log);
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      assertEquals(200, http.get("/health/live").status());
      long openBefore = openConnections(http);
      try (RawHttp c = new RawHttp(server.port(), 5_000)) {
        // Vert.x closes a connection whose framing broke; the answer, if it gets out, is a 400.
        c.write("PUT /v1/kv/broken HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\nzz\r\n");
        try {
          assertProblem(c.readFinal(), 400, "invalid-body");
        } catch (java.io.IOException closed) {
          // closed without an answer
        }
      }
      for (String uri : List.of("/v1/kv/broken", "/v1/txn", "/v1/rollback/broken")) {
        try (RawHttp c = new RawHttp(server.port(), 5_000)) {
          c.write((uri.startsWith("/v1/kv") ? "PUT " : "POST ") + uri
              + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN + "\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"");
        } // closed mid-body
      }
      assertEquals(404, http.get("/v1/kv/broken").status());
      assertEquals(200, http.get("/health/live").status());
      // The server has handled the closed connections once it no longer counts them: a connection's
      // close handler runs after its request has seen the broken body.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (openConnections(http) > openBefore && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(openBefore, openConnections(http), "the server saw every broken connection close");
      List<String> errors = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
          .map(ILoggingEvent::getFormattedMessage).toList();
      assertEquals(List.of(), errors);
    } finally {
      root.detachAppender(log);
      vertx.close().await();
    }
  }

  private static long openConnections(Http http) {
    for (String line : http.get("/metrics").body().toString().split("\n")) {
      if (line.startsWith("ssot_connections_open ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("/metrics has no ssot_connections_open");
  }
}
