package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A new server with an empty data directory and the same PostgreSQL serves what the old one
 * served: every key, history (local from R0, older from PostgreSQL), listing, and a watch
 * replaying from R0.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BootstrapTest {

  private static final int KEEP = 50;

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

  @Test
  void anEmptyDataDirIsBuiltFromPostgres() throws Exception {
    TreeSet<String> keys = new TreeSet<>();
    Map<String, Object> before;
    long revision;
    long first;
    try (TestServer old = TestServer.start(Map.of("pg.url", pg.db().url()))) {
      try (Http http = new Http(vertx, old.port())) {
        for (int i = 0; i < 60; i++) {
          String key = "boot/k" + i;
          keys.add(key);
          assertEquals(201, http.put("/v1/kv/" + key, "{ \"i\" : " + i + ", \"s\": \"\\u00e9t\u00e9\" }").status());
        }
        for (int i = 0; i < 20; i++) {
          assertEquals(200, http.put("/v1/kv/boot/k" + i, "[" + i + ", 2]").status());
        }
        for (int i = 5; i < 10; i++) {
          assertEquals(200, http.delete("/v1/kv/boot/k" + i).status());
        }
        // Ops out of key order, a delete and a re-create in one revision.
        Http.Response txn = http.post("/v1/txn", "{\"compare\":[],\"success\":["
            + "{\"op\":\"put\",\"key\":\"boot/z\",\"value\":{\"z\":1}},"
            + "{\"op\":\"delete\",\"key\":\"boot/k10\"},"
            + "{\"op\":\"put\",\"key\":\"boot/k6\",\"value\":\"back\"},"
            + "{\"op\":\"put\",\"key\":\"boot/a\",\"value\":null}],\"failure\":[]}");
        assertEquals(200, txn.status(), txn::toString);
        keys.add("boot/z");
        keys.add("boot/a");
        assertEquals(200, http.post("/v1/rollback/boot/k1", "{\"toRevision\": 2}").status());
        for (int i = 0; i < 10; i++) {
          assertEquals(200, http.put("/v1/kv/boot/k30", "{\"round\":" + i + "}").status());
        }
        revision = old.server().store().revision();
        first = revision - KEEP + 1;
        assertTrue(first > 20, "the change log of the new server starts well after revision 1");
        before = snapshot(http, keys, revision, first);
      }
    }
    assertEquals(revision, pg.db().scalar("SELECT persisted_revision FROM ssot_state"), "drained at stop");

    try (TestServer fresh = TestServer.start(Map.of("pg.url", pg.db().url(),
        "changelog.retentionRevisions", Integer.toString(KEEP)))) {
      assertEquals(revision, fresh.server().store().revision());
      assertEquals(first, fresh.server().store().compactRevision());
      try (Http http = new Http(vertx, fresh.port())) {
        Map<String, Object> after = snapshot(http, keys, revision, first);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((what, seen) -> assertEquals(seen, after.get(what), what));
        try (var sse = new WatchClients.Sse(client(fresh.port()),
            "/v1/watch?prefix=boot/&fromRevision=" + (first - 1), Map.of())) {
          WatchClients.Event e = sse.next();
          assertEquals("error", e.event(), "below R0 is compacted");
        }
        Http.Response next = http.put("/v1/kv/boot/after", "1");
        assertEquals(revision + 1, next.json().getLong("revision"));
      }
      fresh.restart(); // a normal reopen of the bootstrapped directory
      assertEquals(revision + 1, fresh.server().store().revision());
      assertEquals(first, fresh.server().store().compactRevision());
    }
    assertEquals(revision + 1, pg.db().scalar("SELECT persisted_revision FROM ssot_state"));
  }

  /** Everything a client can read: entries, histories, past states, the listing and the watch from R0. */
  private Map<String, Object> snapshot(Http http, TreeSet<String> keys, long revision, long first)
      throws InterruptedException {
    Map<String, Object> seen = new LinkedHashMap<>();
    for (String key : keys) {
      Http.Response got = http.get("/v1/kv/" + key);
      seen.put("get " + key, got.status() + " " + got.body() + " " + got.header("X-SSOT-Revision"));
      seen.put("history " + key, http.get("/v1/history/" + key + "?limit=1000").body().toString());
      seen.put("paged history " + key, pagedHistory(http, key));
      for (long at : new long[] {3, first - 1, first, revision}) {
        Http.Response past = http.get("/v1/kv/" + key + "?atRevision=" + at);
        seen.put("at " + at + " " + key, past.status() + " " + (past.status() == 200 ? past.body() : ""));
      }
    }
    seen.put("list", http.get("/v1/kv?prefix=boot/&limit=1000").body().toString());
    seen.put("watch", watch(http.port(), first, revision));
    // Each answer has its own request id, on any server.
    seen.replaceAll((what, answer) -> answer instanceof String text
        ? text.replaceAll(",\"requestId\":\"[^\"]*\"", "") : answer);
    return seen;
  }

  private HttpClient client(int port) {
    return vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  private static List<JsonObject> pagedHistory(Http http, String key) {
    List<JsonObject> items = new ArrayList<>();
    String uri = "/v1/history/" + key + "?limit=3";
    while (true) {
      JsonObject page = http.get(uri).json();
      page.getJsonArray("items").forEach(i -> items.add((JsonObject) i));
      if (page.getValue("next") == null) {
        return items;
      }
      uri = "/v1/history/" + key + "?limit=3&before=" + page.getLong("next");
    }
  }

  /** Each revision's events from {@code first} to {@code last}, in key order (PostgreSQL keeps no op order). */
  private List<JsonArray> watch(int port, long first, long last) throws InterruptedException {
    List<JsonArray> revisions = new ArrayList<>();
    try (var sse = new WatchClients.Sse(client(port),
        "/v1/watch?prefix=boot/&fromRevision=" + first, Map.of())) {
      long expected = first;
      while (expected <= last) {
        WatchClients.Event e = sse.next();
        if (!e.event().equals("change")) {
          continue;
        }
        JsonObject data = e.json();
        assertEquals(expected, data.getLong("revision"));
        List<JsonObject> events = new ArrayList<>();
        data.getJsonArray("events").forEach(x -> events.add((JsonObject) x));
        events.sort(Comparator.comparing(x -> x.getString("key")));
        revisions.add(new JsonArray(new ArrayList<>(events)));
        expected++;
      }
    }
    return revisions;
  }
}
