package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The happy paths of every v1 endpoint, against a real server over real sockets. */
@ExtendWith(VertxExtension.class)
class KvApiTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().build();

  @Test
  void putGetRawAndConditionalGet() {
    Http.Response created = server.http().put("/v1/kv/svc/a/db.url", "{\"url\": \"pg://x\"}");
    assertEquals(201, created.status(), created::toString);
    long rev = created.json().getLong("revision");
    assertEquals(rev, created.json().getLong("createRevision"));
    assertEquals(1, created.json().getLong("version"));
    assertEquals("\"" + rev + "\"", created.header("ETag"));

    Http.Response got = server.http().get("/v1/kv/svc/a/db.url");
    assertEquals(200, got.status());
    JsonObject entry = got.json();
    assertEquals("svc/a/db.url", entry.getString("key"));
    assertEquals(new JsonObject().put("url", "pg://x"), entry.getJsonObject("value"));
    assertEquals("admin", entry.getString("updatedBy"), "the bootstrap admin's principal");
    assertTrue(entry.getString("updatedAt").matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
    assertEquals("\"" + rev + "\"", got.header("ETag"));
    assertTrue(Long.parseLong(got.header("X-SSOT-Revision")) >= rev);

    Http.Response raw = server.http().get("/v1/kv/svc/a/db.url?raw=true");
    assertEquals("{\"url\": \"pg://x\"}", raw.body().toString(), "raw serves the bytes as received");
    assertEquals("application/json", raw.header("Content-Type"));

    assertEquals(304, server.http().get("/v1/kv/svc/a/db.url", Map.of("If-None-Match", "\"" + rev + "\"")).status());
    assertEquals(304, server.http().get("/v1/kv/svc/a/db.url?raw=true", Map.of("If-None-Match", "\"" + rev + "\"")).status());
    assertEquals(200, server.http().get("/v1/kv/svc/a/db.url", Map.of("If-None-Match", "\"1" + rev + "\"")).status());

    Http.Response updated = server.http().put("/v1/kv/svc/a/db.url", "2");
    assertEquals(200, updated.status());
    assertEquals(2, updated.json().getLong("version"));
    assertEquals(rev, updated.json().getLong("createRevision"));
  }

  @Test
  void missingKeyIs404Problem() {
    Http.Response r = server.http().get("/v1/kv/no/such/key");
    assertEquals(404, r.status());
    assertEquals("application/problem+json", r.header("Content-Type"));
    assertEquals("key-not-found", r.json().getString("code"));
    assertEquals(404, r.json().getInteger("status"));
    assertTrue(r.json().containsKey("title") && r.json().containsKey("detail"));
  }

  @Test
  void preconditions() {
    Http.Response created = server.http().put("/v1/kv/pre/k", "1", Map.of("If-None-Match", "*"));
    assertEquals(201, created.status());
    long rev = created.json().getLong("revision");
    Http.Response again = server.http().put("/v1/kv/pre/k", "1", Map.of("If-None-Match", "*"));
    assertEquals(412, again.status());
    assertEquals(rev, again.json().getLong("currentRevision"));

    Http.Response stale = server.http().put("/v1/kv/pre/k", "2", Map.of("If-Match", "\"" + (rev + 1000) + "\""));
    assertEquals(412, stale.status());
    assertEquals(rev, stale.json().getLong("currentRevision"));
    Http.Response ok = server.http().put("/v1/kv/pre/k", "2", Map.of("If-Match", "\"" + rev + "\""));
    assertEquals(200, ok.status());

    Http.Response absent = server.http().put("/v1/kv/pre/absent", "2", Map.of("If-Match", "\"5\""));
    assertEquals(412, absent.status());
    assertNull(absent.json().getValue("currentRevision"), "no currentRevision for an absent key");

    long now = ok.json().getLong("revision");
    assertEquals(412, server.http().send(io.vertx.core.http.HttpMethod.DELETE, "/v1/kv/pre/k",
        Map.of("If-Match", "\"" + rev + "\""), null).status());
    Http.Response deleted = server.http().send(io.vertx.core.http.HttpMethod.DELETE, "/v1/kv/pre/k",
        Map.of("If-Match", "\"" + now + "\""), null);
    assertEquals(200, deleted.status());
    assertEquals(404, server.http().delete("/v1/kv/pre/k").status());
  }

  @Test
  void deleteAndRecreateStartsAtVersionOne() {
    long first = server.http().put("/v1/kv/re/k", "1").json().getLong("revision");
    server.http().put("/v1/kv/re/k", "2");
    Http.Response del = server.http().delete("/v1/kv/re/k");
    assertEquals(200, del.status());
    assertEquals("re/k", del.json().getString("key"));
    Http.Response again = server.http().put("/v1/kv/re/k", "3");
    assertEquals(201, again.status());
    assertEquals(1, again.json().getLong("version"));
    assertTrue(again.json().getLong("createRevision") > first);
  }

  @Test
  void keyAndKeysBelowItCoexist() {
    assertEquals(201, server.http().put("/v1/kv/co/a", "1").status());
    assertEquals(201, server.http().put("/v1/kv/co/a/b", "2").status());
    assertEquals("1", server.http().get("/v1/kv/co/a?raw=true").body().toString());
    assertEquals("2", server.http().get("/v1/kv/co/a/b?raw=true").body().toString());
  }

  @Test
  void listWithPrefixCursorAndKeysOnly() {
    for (int i = 0; i < 25; i++) {
      server.http().put(String.format("/v1/kv/list/k%02d", i), "{\"i\":" + i + "}");
    }
    server.http().put("/v1/kv/listx", "0");
    JsonObject page = server.http().get("/v1/kv?prefix=list/&limit=10").json();
    assertEquals(10, page.getJsonArray("items").size());
    assertEquals("list/k00", page.getJsonArray("items").getJsonObject(0).getString("key"));
    int seen = 10;
    String next = page.getString("next");
    while (next != null) {
      page = server.http().get("/v1/kv?prefix=list/&limit=10&cursor=" + next).json();
      seen += page.getJsonArray("items").size();
      next = page.getString("next");
    }
    assertEquals(25, seen);
    assertTrue(page.containsKey("next"), "next is present (null) on the last page");
    assertTrue(page.getLong("revision") > 0);

    JsonArray keysOnly = server.http().get("/v1/kv?prefix=list/k0&keysOnly=true").json().getJsonArray("items");
    assertEquals(10, keysOnly.size());
    assertTrue(!keysOnly.getJsonObject(0).containsKey("value"));
    assertEquals("list/k00", keysOnly.getJsonObject(0).getString("key"));
    // A prefix is a plain byte prefix: "list" matches "list/..." and "listx".
    assertEquals(26, server.http().get("/v1/kv?prefix=list&limit=1000").json().getJsonArray("items").size());
  }

  @Test
  void txnSharesOneRevisionAndSeesItsOwnWrites() {
    server.http().put("/v1/kv/txn/b", "1");
    Http.Response r = server.http().post("/v1/txn", "{\"compare\":[{\"key\":\"txn/a\",\"exists\":false}],"
        + "\"success\":[{\"op\":\"put\",\"key\":\"txn/a\",\"value\":{\"n\":1}},{\"op\":\"delete\",\"key\":\"txn/b\"},"
        + "{\"op\":\"delete\",\"key\":\"txn/none\"},{\"op\":\"get\",\"key\":\"txn/a\"},{\"op\":\"get\",\"key\":\"txn/b\"}],"
        + "\"failure\":[{\"op\":\"get\",\"key\":\"txn/a\"}]}");
    assertEquals(200, r.status(), r::toString);
    JsonObject body = r.json();
    assertTrue(body.getBoolean("succeeded"));
    long rev = body.getLong("revision");
    JsonArray results = body.getJsonArray("results");
    assertEquals(5, results.size());
    assertEquals(rev, results.getJsonObject(0).getLong("revision"));
    assertEquals(true, results.getJsonObject(1).getBoolean("deleted"));
    assertEquals(false, results.getJsonObject(2).getBoolean("deleted"));
    assertEquals(new JsonObject().put("n", 1), results.getJsonObject(3).getJsonObject("value"));
    assertEquals(false, results.getJsonObject(4).getBoolean("found"));
    assertEquals(rev, server.http().get("/v1/kv/txn/a").json().getLong("revision"));

    Http.Response failed = server.http().post("/v1/txn", "{\"compare\":[{\"key\":\"txn/a\",\"exists\":false}],"
        + "\"success\":[{\"op\":\"put\",\"key\":\"txn/a\",\"value\":2}],\"failure\":[{\"op\":\"get\",\"key\":\"txn/a\"}]}");
    assertEquals(200, failed.status());
    assertEquals(false, failed.json().getBoolean("succeeded"));
    assertEquals(Long.parseLong(failed.header("X-SSOT-Revision")), failed.json().getLong("revision"),
        "nothing written: the revision is the store revision");
  }

  @Test
  void historyAtRevisionAndRollback() {
    long r1 = server.http().put("/v1/kv/hist/k", "\"one\"").json().getLong("revision");
    long r2 = server.http().put("/v1/kv/hist/k", "\"two\"").json().getLong("revision");
    long r3 = server.http().delete("/v1/kv/hist/k").json().getLong("revision");
    long r4 = server.http().put("/v1/kv/hist/k", "\"four\"").json().getLong("revision");

    JsonObject history = server.http().get("/v1/history/hist/k").json();
    JsonArray items = history.getJsonArray("items");
    assertEquals(4, items.size());
    assertEquals(r4, items.getJsonObject(0).getLong("revision"));
    assertEquals("delete", items.getJsonObject(1).getString("type"));
    assertTrue(!items.getJsonObject(1).containsKey("value"));
    assertEquals("one", items.getJsonObject(3).getString("value"));
    assertNull(history.getValue("next"));

    JsonObject page = server.http().get("/v1/history/hist/k?limit=2").json();
    assertEquals(2, page.getJsonArray("items").size());
    JsonObject rest = server.http().get("/v1/history/hist/k?limit=2&before=" + page.getLong("next")).json();
    assertEquals(r2, rest.getJsonArray("items").getJsonObject(0).getLong("revision"));
    assertEquals(r1, rest.getJsonArray("items").getJsonObject(1).getLong("revision"));

    assertEquals("two", server.http().get("/v1/kv/hist/k?atRevision=" + r2).json().getString("value"));
    assertEquals("\"one\"", server.http().get("/v1/kv/hist/k?atRevision=" + r1 + "&raw=true").body().toString());
    assertEquals(404, server.http().get("/v1/kv/hist/k?atRevision=" + r3).status());
    assertEquals(404, server.http().get("/v1/kv/hist/k?atRevision=" + (r1 - 1)).status());
    assertEquals(400, server.http().get("/v1/kv/hist/k?atRevision=" + (r4 + 1000)).status());

    Http.Response rolled = server.http().post("/v1/rollback/hist/k", "{\"toRevision\":" + r1 + "}");
    assertEquals(200, rolled.status(), rolled::toString);
    long r5 = rolled.json().getLong("revision");
    assertTrue(r5 > r4);
    JsonObject now = server.http().get("/v1/kv/hist/k").json();
    assertEquals("one", now.getString("value"));
    assertEquals(r5, now.getLong("revision"));

    Http.Response toDeleted = server.http().post("/v1/rollback/hist/k", "{\"toRevision\":" + r3 + "}");
    assertEquals(200, toDeleted.status());
    assertEquals(404, server.http().get("/v1/kv/hist/k").status(), "rolled back to a state where it was absent");
  }

  @Test
  void longPollWaitsForTheChange() throws Exception {
    long rev = server.http().put("/v1/kv/poll/k", "1").json().getLong("revision");
    long start = System.nanoTime();
    Http.Response unchanged = server.http().get("/v1/kv/poll/k?wait=300ms", Map.of("If-None-Match", "\"" + rev + "\""));
    assertEquals(304, unchanged.status());
    assertTrue(System.nanoTime() - start >= 250_000_000L, "held for the wait");

    server.vertx().setTimer(200, id -> server.vertx().executeBlocking(() -> server.http().put("/v1/kv/poll/k", "2")));
    Http.Response changed = server.http().get("/v1/kv/poll/k?wait=10s&raw=true", Map.of("If-None-Match", "\"" + rev + "\""));
    assertEquals(200, changed.status());
    assertEquals("2", changed.body().toString());
  }

  @Test
  void longPollOnAKeyThatIsDeletedAnswers404() {
    long rev = server.http().put("/v1/kv/poll/gone", "1").json().getLong("revision");
    server.vertx().setTimer(200, id -> server.vertx().executeBlocking(() -> server.http().delete("/v1/kv/poll/gone")));
    Http.Response r = server.http().get("/v1/kv/poll/gone?wait=10s", Map.of("If-None-Match", "\"" + rev + "\""));
    assertEquals(404, r.status());
    assertEquals("key-not-found", r.json().getString("code"));
  }

  @Test
  void listWaitsForNothingOnAFreshStore() {
    Http.Response r = server.http().get("/v1/kv?prefix=does/not/exist/");
    assertEquals(200, r.status());
    assertEquals(0, r.json().getJsonArray("items").size());
    assertNull(r.json().getValue("next"));
  }

  @Test
  void healthAndMetrics() {
    assertEquals(200, server.http().get("/health/live").status());
    JsonObject ready = server.http().get("/health/ready").json();
    assertEquals("ready", ready.getString("status"));
    assertEquals("up", ready.getJsonObject("checks").getJsonObject("store").getString("status"));
    server.http().get("/v1/kv/no/such/key");
    String metrics = server.http().get("/metrics").body().toString();
    assertTrue(metrics.contains("ssot_store_revision"), metrics);
    assertTrue(metrics.contains("ssot_store_keys"));
    assertTrue(metrics.contains("ssot_store_compact_revision"));
    assertTrue(metrics.contains("ssot_watch_open"));
    assertTrue(metrics.contains("ssot_watch_slow_consumers_total"));
    assertTrue(metrics.contains("ssot_http_server_requests_seconds_count{code=\"404\",method=\"GET\",route=\"/v1/kv/{key}\"}"),
        "request metrics are labelled by route template, method and status: " + metrics);
  }
}
