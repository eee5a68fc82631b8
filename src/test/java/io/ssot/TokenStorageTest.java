package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Where tokens live: in the store (so they survive restarts), in PostgreSQL with everything else
 * (so a node bootstrapped from it knows them), and the bootstrap admin token in its 0600 file.
 */
@ExtendWith(VertxExtension.class)
class TokenStorageTest {

  private static JsonObject create(Http admin, String name, String role, String prefix) {
    Http.Response r = admin.post("/v1/tokens", new JsonObject().put("name", name)
        .put("roles", new JsonArray().add(new JsonObject().put("role", role).put("prefix", prefix))).encode());
    assertEquals(201, r.status(), r::toString);
    return r.json();
  }

  @Test
  void tokensAndRevocationsSurviveARestart(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start()) {
      JsonObject kept;
      JsonObject revoked;
      try (Http admin = new Http(vertx, server.port())) {
        kept = create(admin, "kept", "write", "s/");
        revoked = create(admin, "gone", "write", "s/");
        assertEquals(200, admin.delete("/v1/tokens/" + revoked.getString("id")).status());
      }
      server.restart();
      try (Http admin = new Http(vertx, server.port())) {
        Http.Response put = admin.as(kept.getString("token")).put("/v1/kv/s/after-restart", "1");
        assertEquals(201, put.status(), put::toString);
        assertEquals("kept", admin.get("/v1/kv/s/after-restart").json().getString("updatedBy"));
        assertEquals(401, admin.as(revoked.getString("token")).get("/v1/kv/s/after-restart").status());
        List<String> ids = admin.get("/v1/tokens").json().getJsonArray("items").stream()
            .map(o -> ((JsonObject) o).getString("id")).toList();
        assertEquals(List.of(kept.getString("id")), ids);
        List<String> keys = admin.get("/v1/kv?prefix=").json().getJsonArray("items").stream()
            .map(o -> ((JsonObject) o).getString("key")).toList();
        assertEquals(List.of("s/after-restart"), keys, "token records never show in listings");
      }
    }
  }

  @Test
  void withoutAConfiguredTokenTheAdminTokenIsGeneratedIntoA0600FileAndNeverLogged(Vertx vertx) throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger audit = (Logger) LoggerFactory.getLogger("ssot.audit");
    root.addAppender(logs);
    audit.addAppender(logs);
    try (TestServer server = TestServer.start(Map.of("admin.token", ""))) {
      Path file = server.dataDir.resolve("admin.token");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      assertTrue(token.length() >= 40, token.length() + " characters");
      String secret;
      try (Http http = new Http(vertx, server.port())) {
        assertEquals(401, http.get("/v1/kv?prefix=").status(), "the suite's token is not configured here");
        assertEquals(200, http.as(token).get("/v1/kv?prefix=").status());
        secret = create(http.as(token), "logged-nowhere", "read", "").getString("token");
        http.as(secret).get("/v1/kv?prefix=");
        http.as(token + "x").get("/v1/kv?prefix=");
      }
      server.restart();
      try (Http http = new Http(vertx, server.port())) {
        assertEquals(200, http.as(token).get("/v1/kv?prefix=").status(), "the same file after a restart");
      }
      List<String> lines = logs.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertTrue(lines.stream().anyMatch(l -> l.contains(file.toAbsolutePath().toString())),
          "the location is logged");
      assertTrue(lines.stream().anyMatch(l -> l.contains("\"event\":\"token-created\"")), lines::toString);
      for (String l : lines) {
        assertFalse(l.contains(token.substring(11)) || l.contains(secret.substring(22)), "a secret was logged: " + l);
      }
    } finally {
      root.detachAppender(logs);
      audit.detachAppender(logs);
    }
  }

  @Test
  void anAdminTokenTooShortToBeSafeStopsStartUp() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> TestServer.start(Map.of("admin.token", "short")));
    assertTrue(e.getMessage().contains("16"), e.getMessage());
  }

  @Test
  void tokensReachPostgresAndANodeBootstrappedFromItKnowsThem(Vertx vertx) throws Exception {
    try (PgTestDatabase db = PgTestDatabase.create()) {
      JsonObject kept;
      JsonObject revoked;
      try (TestServer first = TestServer.start(Map.of("pg.url", db.url()))) {
        try (Http admin = new Http(vertx, first.port())) {
          kept = create(admin, "replicated", "read", "p/");
          revoked = create(admin, "revoked-everywhere", "read", "p/");
          assertEquals(200, admin.delete("/v1/tokens/" + revoked.getString("id")).status());
          admin.put("/v1/kv/p/k", "1");
        }
        String keptKey = "~sys/tokens/" + kept.getString("id");
        String revokedKey = "~sys/tokens/" + revoked.getString("id");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (db.scalar("SELECT count(*) FROM ssot_history WHERE key = ? AND type = 2", revokedKey) == 0) {
          assertTrue(System.nanoTime() < deadline, "the revocation did not reach PostgreSQL");
          Thread.sleep(50);
        }
        List<List<Object>> current = db.rows("SELECT value, updated_by FROM ssot_current WHERE key = ?", keptKey);
        assertEquals(1, current.size());
        String stored = new String((byte[]) current.get(0).get(0), StandardCharsets.UTF_8);
        assertTrue(stored.contains("secretSha256"), stored);
        assertFalse(stored.contains(kept.getString("token").substring(22)), "the secret itself is never stored");
        assertEquals("admin", current.get(0).get(1));
        assertEquals(0, db.scalar("SELECT count(*) FROM ssot_current WHERE key = ?", revokedKey));
      }
      Map<String, String> fresh = new HashMap<>(Map.of("pg.url", db.url()));
      try (TestServer second = TestServer.start(fresh)) {
        try (Http http = new Http(vertx, second.port())) {
          Http.Response r = http.as(kept.getString("token")).get("/v1/kv/p/k");
          assertEquals(200, r.status(), r::toString);
          assertEquals(401, http.as(revoked.getString("token")).get("/v1/kv/p/k").status());
        }
      }
    }
  }
}
