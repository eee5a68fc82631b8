package io.ssot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.Http;
import io.ssot.PgExtension;
import io.ssot.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ssot snapshot save} and {@code restore} as processes: a store saved, then restored offline
 * into a data directory and served again, or uploaded into another server's empty store, is the
 * same store (keys, metadata, tokens, schemas); a corrupted file, a non-empty directory or a
 * written store restores nothing. {@code ssot diff --pg} names rows changed by hand.
 */
@ExtendWith(VertxExtension.class)
class CliSnapshotTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @TempDir
  Path dir;

  private CliProcess cli(int port) {
    return new CliProcess(dir, Map.of("SSOTCTL_URL", "http://127.0.0.1:" + port, "SSOTCTL_TOKEN", TestServer.ADMIN_TOKEN));
  }

  @Test
  void aSavedSnapshotRestoredOfflineServesTheSameStore(Vertx vertx) throws Exception {
    Path file = dir.resolve("store.snapshot");
    Path restored = dir.resolve("restored");
    JsonArray before;
    String reader;
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < 300; i++) {
        assertEquals(201, http.put("/v1/kv/snap/" + i, "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(i) + "\"}").status());
      }
      http.delete("/v1/kv/snap/7");
      assertEquals(201, http.put("/v1/schemas/snap", "{\"type\":\"object\"}").status());
      reader = http.post("/v1/tokens", "{\"name\":\"snap-reader\",\"roles\":[{\"role\":\"read\",\"prefix\":\"snap/\"}]}")
          .json().getString("token");
      CliProcess.Result saved = cli(server.port()).run("snapshot", "save", file.toString(), "-o", "json");
      assertEquals(0, saved.code(), saved::toString);
      JsonObject summary = new JsonObject(saved.stdout());
      assertEquals(server.server().store().revision(), summary.getLong("revision"));
      assertFalse(Files.exists(dir.resolve("store.snapshot.part")));
      before = http.get("/v1/kv?prefix=snap/&limit=1000").json().getJsonArray("items");
    }

    CliProcess offline = cli(1);
    CliProcess.Result restore = offline.run("snapshot", "restore", file.toString(), "--data-dir", restored.toString());
    assertEquals(0, restore.code(), restore::toString);
    assertTrue(restore.stdout().startsWith("restored "), restore::toString);
    CliProcess.Result again = offline.run("snapshot", "restore", file.toString(), "--data-dir", restored.toString());
    assertEquals(ExitCodes.USAGE, again.code(), again::toString);
    assertTrue(again.stderr().contains("is not empty"), again::toString);

    try (TestServer server = TestServer.start(Map.of("data.dir", restored.toString()));
         Http http = new Http(vertx, server.port())) {
      assertEquals(before, http.get("/v1/kv?prefix=snap/&limit=1000").json().getJsonArray("items"));
      assertEquals(299, before.size());
      assertEquals(200, http.as(reader).get("/v1/kv/snap/1").status(), "its tokens came back");
      assertEquals(422, http.put("/v1/kv/snap/x", "1").status(), "so did its schemas");
    }

    try (TestServer empty = TestServer.start(); Http http = new Http(vertx, empty.port())) {
      CliProcess online = cli(empty.port());
      CliProcess.Result uploaded = online.run("snapshot", "restore", file.toString());
      assertEquals(0, uploaded.code(), uploaded::toString);
      assertTrue(uploaded.stdout().startsWith("restored " + file + " into the server"), uploaded::toString);
      assertEquals(before, http.get("/v1/kv?prefix=snap/&limit=1000").json().getJsonArray("items"));
      assertEquals(200, http.as(reader).get("/v1/kv/snap/1").status());
      CliProcess.Result twice = online.run("snapshot", "restore", file.toString());
      assertEquals(ExitCodes.CONFLICT, twice.code(), twice::toString);
      assertTrue(twice.stderr().contains("409 store-not-empty"), twice::toString);
    }

    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Path corrupt = Files.write(dir.resolve("corrupt.snapshot"), bytes);
    Path untouched = dir.resolve("untouched");
    CliProcess.Result refused = offline.run("snapshot", "restore", corrupt.toString(), "--data-dir", untouched.toString());
    assertEquals(ExitCodes.USAGE, refused.code(), refused::toString);
    assertTrue(refused.stderr().startsWith("ssot: nothing restored: "), refused::toString);
    assertTrue(!Files.exists(untouched) || Files.list(untouched).findAny().isEmpty(), "nothing written");
  }

  @Test
  void diffPgNamesTheKeysChangedByHandInPostgresql(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(Map.of("pg.url", pg.db().url()));
         Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < 20; i++) {
        assertEquals(201, http.put("/v1/kv/pg/" + i, Integer.toString(i)).status());
      }
      long revision = server.server().store().revision();
      long deadline = System.currentTimeMillis() + 10_000;
      while (pg.db().scalar("SELECT persisted_revision FROM ssot_state") < revision && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      CliProcess cli = cli(server.port());
      CliProcess.Result clean = cli.run("diff", "--pg");
      assertEquals(0, clean.code(), clean::toString);
      assertTrue(clean.stdout().startsWith("0 keys differ"), clean::toString);

      try (Connection c = pg.db().connect(); Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE ssot_current SET value = convert_to('\"by hand\"', 'UTF8') WHERE key = 'pg/3'");
        s.executeUpdate("DELETE FROM ssot_current WHERE key = 'pg/5'");
      }
      CliProcess.Result drift = cli.run("diff", "--pg", "-o", "json");
      assertEquals(ExitCodes.CONFLICT, drift.code(), drift::toString);
      JsonObject found = new JsonObject(drift.stdout());
      assertEquals(List.of("pg/3", "pg/5"), found.getJsonArray("keys").stream()
          .map(k -> ((JsonObject) k).getString("key")).toList());
      assertEquals("3", http.get("/v1/kv/pg/3?raw=true").body().toString(), "reported, not repaired");
    }
  }
}
