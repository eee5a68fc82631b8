package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gets of one txn read at most {@code limits.maxTxnReadBytes} together (one get whatever its
 * size): a txn whose gets would read more is refused with {@code 422 txn-reads-too-large}, which
 * names the limit and the way to read the keys instead, and changes nothing, its writes included.
 * Only the branch that runs counts.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TxnReadBoundTest {

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private static String value(int bytes) {
    return "\"" + "v".repeat(bytes - 2) + "\"";
  }

  private static String gets(String key, int count) {
    return IntStream.range(0, count).mapToObj(i -> "{\"op\":\"get\",\"key\":\"" + key + "\"}")
        .collect(Collectors.joining(","));
  }

  private static void assertRefused(Http.Response r, long limit) {
    assertEquals(422, r.status(), () -> r.status() + " " + r.body().getString(0, Math.min(300, r.body().length())));
    assertEquals("application/problem+json", r.header("Content-Type"));
    JsonObject problem = r.json();
    assertEquals("txn-reads-too-large", problem.getString("code"));
    assertEquals(limit, problem.getLong("maxReadBytes"));
    String detail = problem.getString("detail");
    assertTrue(detail.contains("limits.maxTxnReadBytes") && detail.contains("nothing was changed")
        && detail.contains("GET /v1/kv/{key}?atRevision=") && detail.contains("GET /v1/kv?prefix="), detail);
  }

  /** With the default bound (4 MiB): 64 gets of a value of almost 1 MiB would answer 64 MiB. */
  @Test
  void sixtyFourGetsOfAOneMebibyteValueAreRefusedAndTheTxnsWritesAreNotCommitted() throws Exception {
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/big", value(1_000_000)).status());
      assertEquals(201, http.put("/v1/kv/d", "1").status());
      String before = http.get("/v1/kv/big").header("X-Ssot-Revision");

      Http.Response r = http.post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"w\",\"value\":1},"
          + "{\"op\":\"delete\",\"key\":\"d\"}," + gets("big", 64) + "]}");
      assertRefused(r, 4L << 20);

      assertEquals(404, http.get("/v1/kv/w").status(), "the put of the refused txn was not committed");
      Http.Response d = http.get("/v1/kv/d");
      assertEquals(200, d.status(), "nor its delete");
      assertEquals(before, d.header("X-Ssot-Revision"), "the store revision did not move");

      // Within the bound (three such values, 3 MB), the same gets are answered.
      Http.Response three = http.post("/v1/txn", "{\"success\":[" + gets("big", 3) + "]}");
      assertEquals(200, three.status(), three::toString);
      JsonArray results = three.json().getJsonArray("results");
      assertEquals(3, results.size());
      for (int i = 0; i < 3; i++) {
        assertEquals(1_000_000 - 2, results.getJsonObject(i).getString("value").length());
      }
    }
  }

  @Test
  void oneGetIsAnsweredWhateverItsSizeAndTwoThatPassTheBoundAreNot() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxTxnReadBytes", "16KiB"));
         Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/a", value(40_000)).status());
      assertEquals(201, http.put("/v1/kv/small", value(1_000)).status());

      Http.Response one = http.post("/v1/txn", "{\"success\":[" + gets("a", 1) + "]}");
      assertEquals(200, one.status(), "a single get is answered, as a page always holds one item");
      assertEquals(40_000 - 2, one.json().getJsonArray("results").getJsonObject(0).getString("value").length());

      Http.Response smallOnes = http.post("/v1/txn", "{\"success\":[" + gets("small", 10) + ","
          + gets("absent", 50) + "]}");
      assertEquals(200, smallOnes.status(), "10 KB of values and keys that are absent fit in 16 KiB");
      assertEquals(60, smallOnes.json().getJsonArray("results").size());

      assertRefused(http.post("/v1/txn", "{\"success\":[" + gets("small", 1) + "," + gets("a", 1) + "]}"),
          16 << 10);
      assertRefused(http.post("/v1/txn", "{\"success\":[" + gets("small", 20) + "]}"), 16 << 10);
    }
  }

  @Test
  void onlyTheBranchThatRunsCountsAndARefusedFailureBranchChangesNothing() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxTxnReadBytes", "16KiB"));
         Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/a", value(40_000)).status());
      String tooMany = gets("a", 2);

      // The compare holds: the success branch runs, the failure branch's gets are never read.
      Http.Response success = http.post("/v1/txn", "{\"compare\":[{\"key\":\"a\",\"exists\":true}],"
          + "\"success\":[{\"op\":\"put\",\"key\":\"s\",\"value\":1}],\"failure\":[" + tooMany + "]}");
      assertEquals(200, success.status(), success::toString);
      assertEquals(200, http.get("/v1/kv/s").status());

      // The compare fails: the failure branch runs, reads too much, and its put is not committed.
      Http.Response failure = http.post("/v1/txn", "{\"compare\":[{\"key\":\"a\",\"exists\":false}],"
          + "\"success\":[],\"failure\":[{\"op\":\"put\",\"key\":\"f\",\"value\":1}," + tooMany + "]}");
      assertRefused(failure, 16 << 10);
      assertEquals(404, http.get("/v1/kv/f").status());
    }
  }

  /** A get after a put in the same txn reads what the txn wrote: that counts too. */
  @Test
  void aGetOfTheTxnsOwnPutCounts() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxTxnReadBytes", "16KiB"));
         Http http = new Http(vertx, server.port())) {
      String put = "{\"op\":\"put\",\"key\":\"n\",\"value\":" + value(10_000) + "}";
      assertRefused(http.post("/v1/txn", "{\"success\":[" + put + "," + gets("n", 2) + "]}"), 16 << 10);
      assertEquals(404, http.get("/v1/kv/n").status());

      Http.Response once = http.post("/v1/txn", "{\"success\":[" + put + "," + gets("n", 1) + "]}");
      assertEquals(200, once.status(), once::toString);
      assertFalse(once.json().getJsonArray("results").getJsonObject(1).getString("value").isEmpty());
    }
  }
}
