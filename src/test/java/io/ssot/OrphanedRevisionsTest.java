package io.ssot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * In cluster mode a node whose store holds revisions PostgreSQL lacks (an old leader coming back)
 * saves them to {@code orphaned-<from>-<to>.ndjson}, rebuilds its store from PostgreSQL and
 * starts: the store equals PostgreSQL afterwards and the orphaned writes are not served.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OrphanedRevisionsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension
  final PgExtension a = new PgExtension();
  @RegisterExtension
  final PgExtension b = new PgExtension();
  private Vertx vertx;
  @TempDir
  Path tmp;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  /** Writes d/0..d/{n-1} (revisions 1..n); from {@code differFrom} on the values differ from the other run's. */
  private Path writeThrough(PgTestDatabase db, int n, int differFrom) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "data");
    try (TestServer server = TestServer.start(Map.of("pg.url", db.url(), "data.dir", dir.toString(),
        "auth.enabled", "false"));
         Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < n; i++) {
        String value = i < differFrom ? "{\"v\":" + i + "}" : "{\"v\":\"other " + i + "\"}";
        assertEquals(201, http.put("/v1/kv/d/" + i, value).status());
      }
    }
    return dir;
  }

  private static Map<String, String> cluster(PgTestDatabase db, Path dir) {
    return Map.of("pg.url", db.url(), "data.dir", dir.toString(), "cluster.enabled", "true", "auth.enabled", "false");
  }

  private static List<Path> orphanFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("orphaned-")).sorted().toList();
    }
  }

  private static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      out.add(JSON.readTree(line));
    }
    return out;
  }

  /** Every key of ssot_current is in the store with the same value and revision, and the store has no other. */
  private static void assertStoreEqualsPostgres(MvccStore store, PgTestDatabase db) {
    assertEquals(db.scalar("SELECT persisted_revision FROM ssot_state"), store.revision());
    List<List<Object>> rows = db.rows("SELECT key, value, revision FROM ssot_current");
    for (List<Object> row : rows) {
      Entry local = store.get((String) row.get(0));
      assertNotNull(local, (String) row.get(0));
      assertArrayEquals((byte[]) row.get(1), local.value(), (String) row.get(0));
      assertEquals(((Number) row.get(2)).longValue(), local.revision(), (String) row.get(0));
    }
    assertEquals(rows.size(), store.size(), "no key beyond PostgreSQL's");
  }

  @Test
  void revisionsAheadOfPostgresAreSavedAsideAndTheStoreIsRebuiltFromIt() throws Exception {
    Path dir = writeThrough(a.db(), 12, Integer.MAX_VALUE);
    writeThrough(b.db(), 10, Integer.MAX_VALUE); // b: the same first 10, as if 11 and 12 were never written behind

    try (TestServer server = TestServer.start(cluster(b.db(), dir));
         Http http = new Http(vertx, server.port())) {
      assertEquals(List.of(dir.resolve("orphaned-11-12.ndjson")), orphanFiles(dir));
      List<JsonNode> orphaned = lines(dir.resolve("orphaned-11-12.ndjson"));
      assertEquals(2, orphaned.size());
      for (int i = 0; i < 2; i++) {
        JsonNode line = orphaned.get(i);
        assertEquals(11 + i, line.get("revision").asLong());
        assertEquals("d/" + (10 + i), line.get("key").asText());
        assertEquals(10 + i, line.get("value").get("v").asInt());
        assertTrue(line.get("updatedAt").asText().endsWith("Z"), line.toString());
        assertTrue(line.has("updatedBy"), line.toString());
      }
      assertStoreEqualsPostgres(server.server().store(), b.db());
      assertEquals(404, http.get("/v1/kv/d/11").status(), "an orphaned write is not served");
      assertEquals("{\"v\":9}", http.get("/v1/kv/d/9?raw=true").body().toString());
    }
    assertEquals(10, b.db().scalar("SELECT persisted_revision FROM ssot_state"), "nor written behind");

    try (TestServer again = TestServer.start(cluster(b.db(), dir))) {
      assertEquals(1, orphanFiles(dir).size(), "a store that agrees with PostgreSQL orphans nothing");
      assertStoreEqualsPostgres(again.server().store(), b.db());
    }
  }

  @Test
  void revisionsANewerLeaderWroteDifferentlyAreSavedAsideEvenWhenPostgresIsAhead() throws Exception {
    Path dir = writeThrough(a.db(), 12, Integer.MAX_VALUE);
    writeThrough(b.db(), 15, 5); // b: revisions 6..15 hold other values (another leader's)

    try (TestServer server = TestServer.start(cluster(b.db(), dir))) {
      assertEquals(List.of(dir.resolve("orphaned-6-12.ndjson")), orphanFiles(dir));
      List<JsonNode> orphaned = lines(dir.resolve("orphaned-6-12.ndjson"));
      assertEquals(7, orphaned.size());
      for (int i = 0; i < 7; i++) {
        assertEquals(6 + i, orphaned.get(i).get("revision").asLong());
        assertEquals(5 + i, orphaned.get(i).get("value").get("v").asInt(), "this store's own value");
      }
      assertStoreEqualsPostgres(server.server().store(), b.db());
      assertEquals(15, server.server().store().revision());
    }
  }
}
