package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With PostgreSQL, history, atRevision and rollback reach below the local compact revision;
 * with {@code pg.historyRetentionRevisions}, below PostgreSQL's own floor they are 410.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PgHistoryTest {

  private static final String PAD = "x".repeat(2000);

  @RegisterExtension
  final PgExtension pg = new PgExtension();
  private Vertx vertx;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await();
  }

  /** Tiny local retention: the change log is compacted while PostgreSQL keeps everything. */
  private static Map<String, String> tinyRetention(Map<String, String> more) {
    Map<String, String> settings = new HashMap<>(Map.of("changelog.segmentBytes", "64KiB",
        "changelog.retentionRevisions", "10", "changelog.retentionAge", "1ms", "changelog.compactInterval", "100ms"));
    settings.putAll(more);
    return settings;
  }

  private static String value(int i) {
    return "{\"i\":" + i + ",\"pad\":\"" + PAD + "\"}";
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void historyAtRevisionAndRollbackReadPostgresBelowTheCompactRevision() throws Exception {
    try (TestServer server = TestServer.start(tinyRetention(Map.of("pg.url", pg.db().url())));
         Http http = new Http(vertx, server.port())) {
      // h/gone: created, deleted, re-created, deleted, all soon compacted locally.
      assertEquals(201, http.put("/v1/kv/h/gone", "1").status());
      assertEquals(200, http.delete("/v1/kv/h/gone").status());
      assertEquals(201, http.put("/v1/kv/h/gone", "2").status());
      assertEquals(200, http.delete("/v1/kv/h/gone").status());
      List<Long> revisions = new ArrayList<>();
      for (int i = 0; i < 150; i++) {
        revisions.add(http.put("/v1/kv/h/a", value(i)).json().getLong("revision"));
      }
      var store = server.server().store();
      await(() -> store.compactRevision() > revisions.get(100), "the change log is compacted");

      JsonObject all = http.get("/v1/history/h/a?limit=1000").json();
      assertEquals(150, all.getJsonArray("items").size());
      assertNull(all.getValue("next"));
      for (int i = 0; i < 150; i++) {
        JsonObject item = all.getJsonArray("items").getJsonObject(149 - i);
        assertEquals(revisions.get(i), item.getLong("revision"));
        assertEquals(i, item.getJsonObject("value").getInteger("i"));
      }
      List<Object> paged = new ArrayList<>();
      String uri = "/v1/history/h/a?limit=7";
      while (uri != null) {
        JsonObject page = http.get(uri).json();
        page.getJsonArray("items").forEach(paged::add);
        uri = page.getValue("next") == null ? null : "/v1/history/h/a?limit=7&before=" + page.getLong("next");
      }
      assertEquals(150, paged.size());
      assertEquals(all.getJsonArray("items"), new io.vertx.core.json.JsonArray(paged),
          "pages across the compact revision join up");

      JsonObject gone = http.get("/v1/history/h/gone").json();
      assertEquals(List.of("delete", "put", "delete", "put"),
          gone.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("type")).toList());
      assertEquals(List.of(4L, 3L, 2L, 1L),
          gone.getJsonArray("items").stream().map(o -> ((JsonObject) o).getLong("revision")).toList());
      assertEquals(2, http.get("/v1/history/h/gone?before=3").json().getJsonArray("items").size());

      Http.Response at5 = http.get("/v1/kv/h/a?atRevision=" + revisions.get(5));
      assertEquals(200, at5.status(), at5::toString);
      assertEquals(5, at5.json().getJsonObject("value").getInteger("i"));
      assertEquals(revisions.get(5), at5.json().getLong("revision"));
      assertEquals("\"" + revisions.get(5) + "\"", at5.header("ETag"));
      assertEquals(value(5), http.get("/v1/kv/h/a?raw=true&atRevision=" + (revisions.get(5) + 0)).body().toString());
      assertEquals("2", http.get("/v1/kv/h/gone?atRevision=3&raw=true").body().toString());
      assertEquals(404, http.get("/v1/kv/h/gone?atRevision=2").status());
      assertEquals(404, http.get("/v1/kv/h/gone?atRevision=100").status());
      assertEquals(404, http.get("/v1/kv/h/a?atRevision=4").status(), "before its creation");

      Http.Response rollback = http.post("/v1/rollback/h/a", "{\"toRevision\":" + revisions.get(7) + "}");
      assertEquals(200, rollback.status(), rollback::toString);
      assertEquals(value(7), http.get("/v1/kv/h/a?raw=true").body().toString());
      Http.Response restore = http.post("/v1/rollback/h/gone", "{\"toRevision\":3}");
      assertEquals(200, restore.status(), restore::toString);
      assertEquals("2", http.get("/v1/kv/h/gone?raw=true").body().toString());
    }

    // Without PostgreSQL the same compacted revisions are 410.
    try (TestServer local = TestServer.start(tinyRetention(Map.of()));
         Http http = new Http(vertx, local.port())) {
      for (int i = 0; i < 100; i++) {
        http.put("/v1/kv/h/a", value(i));
      }
      await(() -> local.server().store().compactRevision() > 50, "the change log is compacted");
      Http.Response compacted = http.get("/v1/kv/h/a?atRevision=5");
      assertEquals(410, compacted.status());
      assertEquals("compacted", compacted.json().getString("code"));
      assertEquals(410, http.post("/v1/rollback/h/a", "{\"toRevision\":5}").status());
    }
  }

  @Test
  void historyRetentionTrimsPostgresAndAnswersCompactedBelowIt() throws Exception {
    try (TestServer server = TestServer.start(tinyRetention(Map.of("pg.url", pg.db().url(),
        "pg.historyRetentionRevisions", "60")));
         Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/r/early", "\"kept\"").status()); // revision 1, never changed
      assertEquals(201, http.put("/v1/kv/r/dead", "1").status());
      assertEquals(200, http.delete("/v1/kv/r/dead").status());
      for (int i = 0; i < 200; i++) {
        http.put("/v1/kv/r/a", value(i));
      }
      assertEquals(201, http.put("/v1/kv/r/late", "1").status());
      var store = server.server().store();
      long last = store.revision();
      long floor = last - 60;
      await(() -> pg.db().scalar("SELECT min(revision) FROM ssot_history") == floor, "PostgreSQL's history is trimmed");
      await(() -> store.compactRevision() > floor + 1, "the change log is compacted past the floor");
      assertEquals(3, pg.db().scalar("SELECT count(*) FROM ssot_current"), "the current state is never trimmed");

      Http.Response below = http.get("/v1/kv/r/a?atRevision=" + (floor - 1));
      assertEquals(410, below.status(), below::toString);
      assertEquals("compacted", below.json().getString("code"));
      assertEquals(floor, (long) below.json().getLong("compactRevision"));
      assertEquals(410, http.get("/v1/history/r/a?before=" + floor).status());
      assertEquals(410, http.post("/v1/rollback/r/a", "{\"toRevision\":" + (floor - 1) + "}").status());

      // At the floor, below the local compact revision: answered from what PostgreSQL kept.
      assertEquals(floor - 4, (int) http.get("/v1/kv/r/a?atRevision=" + floor).json().getJsonObject("value").getInteger("i"));
      assertEquals("\"kept\"", http.get("/v1/kv/r/early?atRevision=" + floor + "&raw=true").body().toString());
      assertEquals(404, http.get("/v1/kv/r/dead?atRevision=" + floor).status());
      assertEquals(404, http.get("/v1/kv/r/late?atRevision=" + floor).status());

      JsonObject history = http.get("/v1/history/r/a?limit=1000").json();
      assertEquals(last - floor, history.getJsonArray("items").size(), "every kept version, none below the floor");
      assertNull(history.getValue("next"));
      assertTrue(http.get("/v1/history/r/early").json().getJsonArray("items").isEmpty(), "trimmed in PostgreSQL");
    }
  }
}
