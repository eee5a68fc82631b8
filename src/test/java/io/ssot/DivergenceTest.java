package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory started against a database holding a different history at the same
 * revisions is refused, naming the first difference, and neither side is changed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DivergenceTest {

  @RegisterExtension
  final PgExtension a = new PgExtension();
  @RegisterExtension
  final PgExtension b = new PgExtension();
  private Vertx vertx;
  @TempDir
  Path tmp;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await();
  }

  /** Writes d/0..d/{n-1}; from {@code differFrom} on the values differ from the other run's. */
  private Path writeThrough(PgTestDatabase db, int n, int differFrom) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "data");
    try (TestServer server = TestServer.start(Map.of("pg.url", db.url(), "data.dir", dir.toString()));
         Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < n; i++) {
        String value = i < differFrom ? "{\"v\":" + i + "}" : "{\"v\":\"other " + i + "\"}";
        assertEquals(201, http.put("/v1/kv/d/" + i, value).status());
      }
    }
    return dir;
  }

  @Test
  void aDataDirWithAnotherHistoryIsRefusedAndItsOwnDatabaseStillWorks() throws Exception {
    Path dirA = writeThrough(a.db(), 12, Integer.MAX_VALUE);
    writeThrough(b.db(), 10, 5); // revisions 6..10 (keys d/5..d/9) hold other values

    Map<String, String> againstB = Map.of("pg.url", b.db().url(), "data.dir", dirA.toString());
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> TestServer.start(againstB));
    assertTrue(refused.getMessage().contains("differ at revision 6, key d/5"), refused.getMessage());
    assertTrue(refused.getMessage().contains("neither side was changed"), refused.getMessage());

    assertEquals(10, b.db().scalar("SELECT persisted_revision FROM ssot_state"), "PostgreSQL untouched");
    assertEquals("{\"v\":\"other 5\"}", b.db().rows("SELECT convert_from(value, 'UTF8') FROM ssot_current"
        + " WHERE key = 'd/5'").get(0).get(0));

    try (TestServer server = TestServer.start(Map.of("pg.url", a.db().url(), "data.dir", dirA.toString()));
         Http http = new Http(vertx, server.port())) {
      assertEquals(12, server.server().store().revision(), "the local store untouched");
      assertEquals("{\"v\":5}", http.get("/v1/kv/d/5?raw=true").body().toString());
    }
  }

  @Test
  void aStoreAheadOfPostgresWithTheSameHistoryStarts() throws Exception {
    Path dirA = writeThrough(a.db(), 12, Integer.MAX_VALUE);
    // The same first 10 revisions in b: as if the write-behind had stopped at 10.
    writeThrough(b.db(), 10, Integer.MAX_VALUE);
    try (TestServer server = TestServer.start(Map.of("pg.url", b.db().url(), "data.dir", dirA.toString()))) {
      assertEquals(12, server.server().store().revision());
    }
    assertEquals(12, b.db().scalar("SELECT persisted_revision FROM ssot_state"), "the write-behind caught up");
  }
}
