package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 9112 §6.1: a request with both Content-Length and Transfer-Encoding: chunked may be a
 * smuggling attempt (a proxy in front may frame it by the length). It is read as chunked, and the
 * connection is closed after the answer, so no bytes after it are read as another request.
 */
@Timeout(60)
class ChunkedFramingTest {

  @Test
  void aRequestWithBothLengthAndChunkedIsAnsweredAndItsConnectionClosed() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      for (String method : new String[] {"PUT /v1/kv/smuggle", "GET /health/live", "GET /v1/kv/smuggle"}) {
        try (RawHttp c = new RawHttp(server.port(), 10_000)) {
          // By its length the body is "0\r\n\r\n" and a second request follows; chunked, the second
          // request is part of nothing and would be read as the next one on a kept connection.
          String smuggled = "DELETE /v1/kv/smuggle HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
              + TestServer.ADMIN_TOKEN + "\r\n\r\n";
          String body = method.startsWith("PUT") ? "1\r\n7\r\n0\r\n\r\n" : "0\r\n\r\n";
          c.write(method + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
              + "\r\nContent-Length: " + body.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body + smuggled);
          Http.Response r = c.readFinal();
          assertTrue(r.status() < 300, method + ": " + r);
          assertEquals("close", r.header("Connection"), method + ": " + r);
          assertTrue(c.closedByServer(), method + ": the connection is closed after the answer");
        }
      }
      assertEquals("7", http.get("/v1/kv/smuggle?raw=true").body().toString(), "the smuggled DELETE never ran");
    } finally {
      vertx.close().await();
    }
  }
}
