package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.ssot.store.Precondition;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A value is stored and served as the bytes received, inside the JSON of list, history and watch
 * answers: one starting with a UTF-8 byte-order mark would make every such answer invalid JSON.
 * Every way a body reaches the store refuses it with 400 {@code byte-order-mark}, and nothing
 * changes. Also: a number too long to parse is refused as such, not as nesting.
 */
@Timeout(60)
class ByteOrderMarkTest {

  private static final String BOM = "\uFEFF";

  @Test
  void bodiesStartingWithAByteOrderMarkAreRefusedEverywhere() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/bad/0", "{\"a\":0}").status());
      long before = revision(http);
      assertProblem(http.put("/v1/kv/bad/1", BOM + "{\"a\":1}"), 400, "byte-order-mark");
      assertProblem(http.put("/v1/schemas/bad", BOM + "{\"type\":\"object\"}"), 400, "byte-order-mark");
      assertProblem(http.post("/v1/txn", BOM + "{\"success\":[{\"op\":\"put\",\"key\":\"bad/2\",\"value\":1}]}"),
          400, "byte-order-mark");
      Http.Response inTxn = http.post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"bad/3\",\"value\":"
          + BOM + "{\"a\":1}}]}");
      assertProblem(inTxn, 400, "invalid-json");
      assertProblem(http.post("/v1/rollback/bad/0", BOM + "{\"toRevision\":" + before + "}"), 400, "byte-order-mark");
      assertEquals(before, revision(http), "nothing was written");

      // A value stored with one before they were refused is not restored by a rollback either.
      long withBom = server.server().store().put("bad/old", (BOM + "{\"a\":2}").getBytes(StandardCharsets.UTF_8),
          Precondition.NONE, "test").entry().revision();
      assertEquals(200, http.put("/v1/kv/bad/old", "{\"a\":3}").status());
      long beforeRollback = revision(http);
      assertProblem(http.post("/v1/rollback/bad/old", "{\"toRevision\":" + withBom + "}"), 422, "byte-order-mark");
      assertEquals(beforeRollback, revision(http));
      assertEquals("{\"a\":3}", http.get("/v1/kv/bad/old?raw=true").body().toString());
    } finally {
      vertx.close().await();
    }
  }

  /**
   * JSON in UTF-16 or UTF-32 (which Jackson would detect and parse) is refused: stored as
   * received, it would reach readers in an encoding they do not expect, and a value starting with
   * a NUL byte made its key unreadable (it looked encrypted at rest: 503 undecryptable).
   */
  @Test
  void jsonNotInUtf8IsRefused() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      long before = revision(http);
      for (java.nio.charset.Charset charset : List.of(StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE,
          java.nio.charset.Charset.forName("UTF-32BE"))) {
        assertProblem(send(http, "PUT", "/v1/kv/wide", "{\"a\":1}".getBytes(charset)), 400, "invalid-json");
        assertProblem(send(http, "POST", "/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"wide\",\"value\":1}]}"
            .getBytes(charset)), 400, "invalid-json");
        assertProblem(send(http, "PUT", "/v1/schemas/wide", "{\"type\":\"object\"}".getBytes(charset)), 400,
            "invalid-json");
      }
      assertEquals(before, revision(http), "nothing was written");
      assertEquals(404, http.get("/v1/kv/wide").status());
    } finally {
      vertx.close().await();
    }
  }

  private static Http.Response send(Http http, String method, String uri, byte[] body) throws Exception {
    try (RawHttp c = new RawHttp(http.port(), 10_000)) {
      c.write(method + " " + uri + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
          + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").write(body);
      return c.readFinal();
    }
  }

  @Test
  void aNumberTooLongIsRefusedAsSuch() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      String digits = "1".repeat(100_000);
      assertProblem(http.put("/v1/kv/n", digits), 400, "number-too-long");
      assertProblem(http.put("/v1/kv/n", "{\"a\":[" + digits + "]}"), 400, "number-too-long");
      assertProblem(http.post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"n\",\"value\":" + digits + "}]}"),
          400, "number-too-long");
      assertProblem(http.put("/v1/kv/n", "[".repeat(2000) + "]".repeat(2000)), 400, "json-too-deep");
      assertEquals(404, http.get("/v1/kv/n").status());
    } finally {
      vertx.close().await();
    }
  }

  private static long revision(Http http) {
    return Long.parseLong(http.get("/v1/kv?limit=1").header("X-SSOT-Revision"));
  }
}
