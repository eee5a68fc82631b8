package io.ssot.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.Http;
import io.ssot.PgExtension;
import io.ssot.TempFiles;
import io.ssot.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Restoring with PostgreSQL: online into an empty server and database (POST /v1/snapshot), and
 * offline into an empty data directory started with an empty database. Either way PostgreSQL
 * gets the same state, the write-behind goes on after the snapshot's revision, and a node
 * bootstrapped from that database serves it too.
 */
@ExtendWith(VertxExtension.class)
class RestoreWithPostgresTest {

  @RegisterExtension
  final PgExtension source = new PgExtension();
  @RegisterExtension
  final PgExtension online = new PgExtension();
  @RegisterExtension
  final PgExtension offline = new PgExtension();

  private static final int KEYS = 2000;

  /** A snapshot of a server that holds KEYS keys, a read token on r/ and a schema on r. */
  private String snapshotOfAWrittenServer(Vertx vertx, JsonObject[] token) throws Exception {
    try (TestServer server = TestServer.start(Map.of("pg.url", source.db().url()));
         Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < KEYS; i++) {
        assertEquals(201, http.put("/v1/kv/r/" + i, "{\"i\":" + i + "}").status());
      }
      assertEquals(200, http.put("/v1/kv/r/7", "{\"i\":\"seven\"}").status());
      assertEquals(200, http.delete("/v1/kv/r/8").status());
      Http.Response created = http.post("/v1/tokens", new JsonObject().put("name", "reader")
          .put("roles", new JsonArray().add(new JsonObject().put("role", "read").put("prefix", "r/"))).encode());
      token[0] = created.json();
      assertEquals(201, http.put("/v1/schemas/r", "{\"type\":\"object\"}").status());
      Http.Response snapshot = http.get("/v1/snapshot");
      assertEquals(200, snapshot.status());
      return snapshot.body().toString(StandardCharsets.UTF_8);
    }
  }

  /** What a restored server must serve: values and metadata, the token, the schema. */
  private static void servesTheSnapshot(Http http, String token, long revision) {
    JsonObject seven = http.as(token).get("/v1/kv/r/7").json();
    assertEquals("seven", seven.getJsonObject("value").getString("i"));
    assertEquals(2, seven.getLong("version"));
    assertEquals(404, http.get("/v1/kv/r/8").status());
    assertEquals(1999, http.get("/v1/kv/r/1999").json().getJsonObject("value").getInteger("i"));
    assertEquals(422, http.put("/v1/kv/r/not-an-object", "1").status(), "the schema came back");
    assertEquals(String.valueOf(revision), http.get("/v1/kv/r/1").header("X-SSOT-Revision"));
  }

  private static void waitPersisted(io.ssot.PgTestDatabase db, long revision) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (db.scalar("SELECT persisted_revision FROM ssot_state") < revision && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(revision, db.scalar("SELECT persisted_revision FROM ssot_state"));
  }

  @Test
  void onlineIntoAnEmptyServerAndDatabase(Vertx vertx) throws Exception {
    JsonObject[] token = new JsonObject[1];
    String snapshot = snapshotOfAWrittenServer(vertx, token);
    long revision = SnapshotFile.read(new java.io.ByteArrayInputStream(snapshot.getBytes(StandardCharsets.UTF_8)),
        e -> { }, b -> { }).revision();
    try (TestServer server = TestServer.start(Map.of("pg.url", online.db().url()));
         Http http = new Http(vertx, server.port())) {
      // A corrupt one first: refused whole, nothing changed.
      String corrupt = snapshot.substring(0, snapshot.length() / 2) + "x" + snapshot.substring(snapshot.length() / 2 + 1);
      Http.Response refused = http.post("/v1/snapshot", corrupt);
      assertEquals(400, refused.status(), refused::toString);
      assertEquals("invalid-snapshot", refused.json().getString("code"));
      assertEquals(0, server.server().store().revision());
      assertEquals(0, online.db().scalar("SELECT count(*) FROM ssot_current"));

      Http.Response restored = http.post("/v1/snapshot", snapshot);
      assertEquals(200, restored.status(), restored::toString);
      assertEquals(revision, restored.json().getLong("revision"));
      assertEquals(KEYS - 1 + 2, restored.json().getLong("keys"), "keys, the token and the schema");
      servesTheSnapshot(http, token[0].getString("token"), revision);
      assertEquals(revision, online.db().scalar("SELECT persisted_revision FROM ssot_state"));
      assertEquals(KEYS - 1 + 2, online.db().scalar("SELECT count(*) FROM ssot_current"));

      Http.Response again = http.post("/v1/snapshot", snapshot);
      assertEquals(409, again.status(), again::toString);
      assertEquals("store-not-empty", again.json().getString("code"));

      // Writes go on after the snapshot's revision, into PostgreSQL too, and nothing drifted.
      assertEquals(201, http.put("/v1/kv/r/after", "{\"a\":1}").status());
      waitPersisted(online.db(), revision + 1);
      assertEquals(0, http.get("/v1/pg/drift").json().getLong("drifted"));
      server.restart();
      try (Http after = new Http(vertx, server.port())) {
        servesTheSnapshot(after, token[0].getString("token"), revision + 1);
      }
    }
    // A node bootstrapped from that database serves it as well.
    try (TestServer fresh = TestServer.start(Map.of("pg.url", online.db().url()));
         Http http = new Http(vertx, fresh.port())) {
      servesTheSnapshot(http, token[0].getString("token"), revision + 1);
    }
  }

  @Test
  void offlineIntoAnEmptyDataDirectoryWithAnEmptyDatabase(Vertx vertx) throws Exception {
    JsonObject[] token = new JsonObject[1];
    String snapshot = snapshotOfAWrittenServer(vertx, token);
    Path file = Files.createTempFile("ssot", ".snapshot");
    Path dir = Files.createTempDirectory("ssot-restored");
    try {
      Files.writeString(file, snapshot);
      SnapshotFile.Summary summary = SnapshotRestore.intoDataDir(file, dir, b -> { });
      try (TestServer server = TestServer.start(Map.of("pg.url", offline.db().url(), "data.dir", dir.toString()));
           Http http = new Http(vertx, server.port())) {
        servesTheSnapshot(http, token[0].getString("token"), summary.revision());
        assertEquals(summary.revision(), offline.db().scalar("SELECT persisted_revision FROM ssot_state"));
        assertEquals(summary.count(), offline.db().scalar("SELECT count(*) FROM ssot_current"));
        assertEquals(0, http.get("/v1/pg/drift").json().getLong("drifted"));
      }
      try (TestServer fresh = TestServer.start(Map.of("pg.url", offline.db().url()));
           Http http = new Http(vertx, fresh.port())) {
        servesTheSnapshot(http, token[0].getString("token"), summary.revision());
      }
    } finally {
      Files.deleteIfExists(file);
      TempFiles.delete(dir);
    }
  }
}
