package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/**
 * Request bodies are bounded in time ({@code limits.bodyTimeout}), across the server
 * ({@code limits.maxBodyBytesInFlight}) and by authorization: a caller that may not write the key
 * a path names is refused before the body, and the server does not hold a byte of it.
 */
@Timeout(120)
class RequestBodyLimitsTest {

  private static final int BODY_TIMEOUT_MS = 1_000;
  private static final int BUDGET = 1 << 20;


  @RegisterExtension
  final ServerExtension server = ServerExtension.builder().setting("limits.bodyTimeout", BODY_TIMEOUT_MS + "ms")
      .setting("limits.maxTxnBytes", "1MiB").setting("limits.maxValueBytes", "64KiB")
      .setting("limits.maxBodyBytesInFlight", BUDGET + "B").build();

  static String head(String method, String uri, String token, long contentLength) {
    return method + " " + uri + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n\r\n";
  }

  @Test
  void aBodyThatTricklesIsAnswered408AndItsConnectionClosed() throws Exception {
    try (RawHttp c = new RawHttp(server.port(), 30_000)) {
      c.write(head("PUT", "/v1/kv/slow", TestServer.ADMIN_TOKEN, 100));
      long started = System.nanoTime();
      Thread trickle = trickle(c);
      try {
        Http.Response r = c.readFinal();
        assertProblem(r, 408, "body-timeout");
        assertEquals("close", r.header("Connection"));
        assertTrue(c.closedByServer(), "the connection of a timed-out body is closed");
        // Not a wall-clock bound on speed: the answer came from the timeout, not after the 20 s trickle.
        assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(15), "answered on the timeout");
      } finally {
        trickle.interrupt();
        trickle.join();
      }
    }
    assertEquals(404, server.http().get("/v1/kv/slow").status(), "nothing was written");
    awaitBudgetReleased();
  }

  /** Sends a byte of body every 200 ms (99 in all) until the server closes the connection. */
  private static Thread trickle(RawHttp c) {
    Thread trickle = new Thread(() -> {
      try {
        for (int i = 0; i < 99; i++) {
          c.write("1");
          Thread.sleep(200);
        }
      } catch (IOException | InterruptedException closed) {
        // the server closed the connection, as it should
      }
    });
    trickle.start();
    return trickle;
  }

  /** A route that takes no body answers at once; a body trickling after that answer loses its connection too. */
  @Test
  void aTricklingBodyNoRouteReadsDoesNotHoldItsConnection() throws Exception {
    try (RawHttp c = new RawHttp(server.port(), 30_000)) {
      c.write("GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
      assertEquals(200, c.readFinal().status());
      Thread trickle = trickle(c);
      try {
        assertTrue(c.closedByServer(), "closed within limits.bodyTimeout of the answer");
      } finally {
        trickle.interrupt();
        trickle.join();
      }
    }
  }

  @Test
  void aCallerThatMayNotWriteTheKeyIsRefusedBeforeSendingItsBody() throws Exception {
    String reader = token(server.http(), "reader", "read", "");
    assertEquals(201, server.http().put("/v1/kv/k", "1").status());
    for (String[] route : new String[][] {{"PUT", "/v1/kv/k"}, {"POST", "/v1/rollback/k"}}) {
      // The head alone: the 403 comes without the body being sent.
      try (RawHttp c = new RawHttp(server.port(), 10_000)) {
        c.write(head(route[0], route[1], reader, 60_000));
        assertProblem(c.readFinal(), 403, "forbidden");
        // The body, sent after all, is dropped: the connection stays in step for its next request.
        c.write("1".repeat(60_000)).write("GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(200, c.readFinal().status(), route[1]);
      }
      // A refused body that never comes does not hold the connection past limits.bodyTimeout.
      try (RawHttp c = new RawHttp(server.port(), 30_000)) {
        c.write(head(route[0], route[1], reader, 60_000));
        assertProblem(c.readFinal(), 403, "forbidden");
        assertTrue(c.closedByServer(), route[1]);
      }
    }
    assertEquals("1", server.http().get("/v1/kv/k?raw=true").body().toString());
    awaitBudgetReleased();
  }

  @Test
  void bodiesBeyondTheBudgetAre503UntilTheBodiesInFlightEnd() throws Exception {
    try (RawHttp stalled = new RawHttp(server.port(), 30_000)) {
      stalled.write(head("POST", "/v1/txn", TestServer.ADMIN_TOKEN, BUDGET)).write("{\"success\":[");
      awaitInFlight(server, BUDGET);
      Http.Response refused = server.http().put("/v1/kv/b", "{\"n\":1}");
      assertProblem(refused, 503, "body-budget-exhausted");
      assertEquals("1", refused.header("Retry-After"));
      assertEquals(404, server.http().get("/v1/kv/b").status());
    } // the stalled client goes away mid-body: its reservation is given back
    awaitBudgetReleased();
    assertEquals(201, server.http().put("/v1/kv/b", "{\"n\":1}").status());
  }

  /** Whatever way a request ends, the bytes its body reserved are given back. */
  @Test
  void theBudgetIsReleasedHoweverTheRequestEnds() throws Exception {
    String big = "[" + "1,".repeat(30_000) + "1]";
    assertEquals(201, server.http().put("/v1/kv/ok", big).status(), "success");
    assertProblem(server.http().put("/v1/kv/bad", "{"), 400, "invalid-json");
    assertProblem(server.http().put("/v1/kv/huge", "1".repeat(70_000)), 413, "too-large");
    assertProblem(server.http().post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"k\",\"value\":" + big
        + "}],\"x\":1}"), 400, "invalid-txn");
    try (RawHttp c = new RawHttp(server.port(), 10_000)) { // chunked, past the limit mid-body
      c.write("PUT /v1/kv/chunky HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
          + "\r\nTransfer-Encoding: chunked\r\n\r\n");
      for (int i = 0; i < 3; i++) {
        c.write("8000\r\n" + "1".repeat(0x8000) + "\r\n");
      }
      assertProblem(c.readFinal(), 413, "too-large");
    }
    try (RawHttp c = new RawHttp(server.port(), 30_000)) { // the body times out
      c.write(head("PUT", "/v1/kv/late", TestServer.ADMIN_TOKEN, 50_000)).write("[1,2,");
      assertProblem(c.readFinal(), 408, "body-timeout");
    }
    awaitBudgetReleased();
    assertEquals(404, server.http().get("/v1/kv/late").status());
  }

  private void awaitBudgetReleased() throws InterruptedException {
    awaitInFlight(server, 0);
  }

  /** Waits until the body bytes in flight, as /metrics reports them, are {@code expected}. */
  static void awaitInFlight(ServerExtension server, long expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    long last = -1;
    while (System.nanoTime() < deadline) {
      last = inFlight(server.http());
      if (last == expected) {
        return;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("body bytes in flight stayed " + last + ", expected " + expected);
  }

  static long inFlight(Http http) {
    for (String line : http.get("/metrics").body().toString().split("\n")) {
      if (line.startsWith("ssot_request_body_bytes_in_flight ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1).trim());
      }
    }
    throw new AssertionError("/metrics has no ssot_request_body_bytes_in_flight");
  }

  /** A token created through the API as the bootstrap admin. */
  static String token(Http admin, String name, String role, String prefix) {
    Http.Response r = admin.post("/v1/tokens", new JsonObject().put("name", name)
        .put("roles", new JsonArray().add(new JsonObject().put("role", role).put("prefix", prefix))).encode());
    assertEquals(201, r.status(), r::toString);
    return r.json().getString("token");
  }
}
