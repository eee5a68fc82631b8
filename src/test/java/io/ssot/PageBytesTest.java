package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * List and history pages are bounded in bytes ({@code limits.maxPageBytes}) as well as in items:
 * a page stops before the item that would pass the bound, holds one item at least, and its
 * {@code next} leads on, so walking the pages still yields every key (or version) exactly once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PageBytesTest {

  private static final long MAX_PAGE_BYTES = 64 << 10;
  /** What one item may add to a page beyond its value: the bound may be passed by one item only. */
  private static final int ITEM_OVERHEAD = 400;

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private static String value(int i, int bytes) {
    return "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(bytes) + "\"}";
  }

  @Test
  void listPagesAreCutByBytesAndTheCursorWalkReturnsEveryKeyOnce() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxPageBytes", Long.toString(MAX_PAGE_BYTES)));
         Http http = new Http(vertx, server.port())) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String key = String.format("p/%03d", i);
        // 3 to 27 KB, and one value larger than a whole page, which is then a page alone.
        int bytes = i == 17 ? 100_000 : 3_000 + (i * 7_919) % 24_000;
        assertTrue(http.put("/v1/kv/" + key, value(i, bytes)).status() == 201);
        keys.add(key);
      }
      assertEquals(201, http.put("/v1/kv/q/after", "1").status(), "a key past the prefix is not listed");

      List<String> walked = new ArrayList<>();
      int pages = 0;
      String cursor = null;
      do {
        Http.Response r = http.get("/v1/kv?prefix=p/&limit=1000"
            + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.US_ASCII)));
        assertEquals(200, r.status(), r::toString);
        JsonArray items = r.json().getJsonArray("items");
        assertTrue(!items.isEmpty(), "a page holds one item at least");
        long lastValueBytes = items.getJsonObject(items.size() - 1).getJsonObject("value").encode().length();
        assertTrue(items.size() == 1 || r.body().length() <= MAX_PAGE_BYTES + lastValueBytes + ITEM_OVERHEAD,
            "a page of " + items.size() + " items has " + r.body().length() + " bytes");
        for (int i = 0; i < items.size(); i++) {
          JsonObject item = items.getJsonObject(i);
          walked.add(item.getString("key"));
          assertEquals(keys.indexOf(item.getString("key")), item.getJsonObject("value").getInteger("i"));
        }
        cursor = r.json().getString("next");
        pages++;
      } while (cursor != null);
      assertEquals(keys, walked, "every key once, in order");
      assertTrue(pages >= 8, pages + " pages: cut by bytes, not by the limit of 1000");

      // A page of keys alone does not count the values it does not show.
      JsonObject keysOnly = http.get("/v1/kv?prefix=p/&limit=1000&keysOnly=true").json();
      assertEquals(40, keysOnly.getJsonArray("items").size());
      assertNull(keysOnly.getValue("next"));
    }
  }

  @Test
  void historyPagesAreCutByBytesAndTheWalkReturnsEveryVersionOnce() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxPageBytes", Long.toString(MAX_PAGE_BYTES)));
         Http http = new Http(vertx, server.port())) {
      List<Long> revisions = writeVersions(http, "h/a", 40);
      assertEquals(revisions, walkHistory(http, "h/a"));
    }
  }

  @Test
  void historyPagesAcrossPostgresAreCutByBytes() throws Exception {
    try (PgTestDatabase db = PgTestDatabase.create()) {
      Map<String, String> settings = new HashMap<>(Map.of("pg.url", db.url(),
          "limits.maxPageBytes", Long.toString(MAX_PAGE_BYTES), "changelog.segmentBytes", "64KiB",
          "changelog.retentionRevisions", "10", "changelog.retentionAge", "1ms", "changelog.compactInterval", "100ms"));
      try (TestServer server = TestServer.start(settings);
           Http http = new Http(vertx, server.port())) {
        List<Long> revisions = writeVersions(http, "h/a", 60);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (server.server().store().compactRevision() <= revisions.get(40)) {
          assertTrue(System.nanoTime() < deadline, "the change log was not compacted");
          Thread.sleep(50);
        }
        assertEquals(revisions, walkHistory(http, "h/a"), "pages across the compact revision join up");
      }
    }
  }

  /** Writes {@code count} versions of 3 to 27 KB; returns their revisions, newest first. */
  private static List<Long> writeVersions(Http http, String key, int count) {
    List<Long> revisions = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Http.Response r = http.put("/v1/kv/" + key, value(i, 3_000 + (i * 7_919) % 24_000));
      assertTrue(r.status() == 200 || r.status() == 201, r::toString);
      revisions.add(0, r.json().getLong("revision"));
    }
    return revisions;
  }

  /** The revisions of every page of the key's history, walked with {@code before}. */
  private static List<Long> walkHistory(Http http, String key) {
    List<Long> walked = new ArrayList<>();
    int pages = 0;
    Long next = null;
    do {
      Http.Response r = http.get("/v1/history/" + key + "?limit=1000" + (next == null ? "" : "&before=" + next));
      assertEquals(200, r.status(), r::toString);
      JsonArray items = r.json().getJsonArray("items");
      assertTrue(!items.isEmpty(), "a page holds one item at least");
      long lastValueBytes = items.getJsonObject(items.size() - 1).getJsonObject("value").encode().length();
      assertTrue(items.size() == 1 || r.body().length() <= MAX_PAGE_BYTES + lastValueBytes + ITEM_OVERHEAD,
          "a page of " + items.size() + " items has " + r.body().length() + " bytes");
      items.forEach(o -> walked.add(((JsonObject) o).getLong("revision")));
      next = r.json().getLong("next");
      pages++;
    } while (next != null);
    assertTrue(pages >= 8, pages + " pages: cut by bytes, not by the limit of 1000");
    return walked;
  }
}
