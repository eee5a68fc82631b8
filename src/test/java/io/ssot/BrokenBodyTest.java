package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
    // Every check goes through this one kept-alive connection, so the server's count of open
    // connections is this one plus the broken ones still open (a client pool could open more).
    try (TestServer server = TestServer.start(); RawHttp probe = new RawHttp(server.port(), 5_000)) {
      assertEquals(1, openConnections(probe));
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
      assertEquals(404, get(probe, "/v1/kv/broken").status());
      assertEquals(200, get(probe, "/health/live").status());
      // The server has handled the closed connections once it no longer counts them: a connection's
      // close handler runs after its request has seen the broken body.
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (openConnections(probe) > 1 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertEquals(1, openConnections(probe), "the server saw every broken connection close");
      List<String> errors = log.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
          .map(ILoggingEvent::getFormattedMessage).toList();
      assertEquals(List.of(), errors);
    } finally {
      root.detachAppender(log);
    }
  }

  private static Http.Response get(RawHttp probe, String uri) throws java.io.IOException {
    return probe.write("GET " + uri + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
        + "\r\n\r\n").readFinal();
  }

  private static long openConnections(RawHttp probe) throws java.io.IOException {
    for (String line : get(probe, "/metrics").body().toString().split("\n")) {
      if (line.startsWith("ssot_connections_open ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("/metrics has no ssot_connections_open");
  }
}
