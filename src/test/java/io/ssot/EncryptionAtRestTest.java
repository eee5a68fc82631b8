package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.security.ValueCipher;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values under encrypted prefixes never reach the data directory or PostgreSQL in plaintext,
 * while every read path (GET, raw, long-poll, atRevision, list, txn get, history from the change
 * log and from PostgreSQL, rollback, WebSocket and SSE watches, resume) serves the plaintext.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EncryptionAtRestTest {

  private static final String PAD = "p".repeat(2000);

  private final String secret = "SECRET-" + UUID.randomUUID();
  private final String plain = "PLAIN-" + UUID.randomUUID();
  @RegisterExtension
  final PgExtension pg = new PgExtension();
  private Vertx vertx;
  private Path keyFile;
  /** Key files and the data directory the first test inspects after its server stopped. */
  @TempDir
  Path tmp;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    keyFile = newKeyFile();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await();
  }

  private Path newKeyFile() throws Exception {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = Files.createTempFile(tmp, "ssot-key", ".b64");
    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
    return file;
  }

  /** Write-behind to PostgreSQL and a tiny local retention, so older history is served from PostgreSQL. */
  private Map<String, String> settings(Path key) {
    Map<String, String> s = new HashMap<>(Map.of("pg.url", pg.db().url(), "changelog.segmentBytes", "64KiB",
        "changelog.retentionRevisions", "10", "changelog.retentionAge", "1ms", "changelog.compactInterval", "100ms",
        "encryption.prefixes", "secret/, vault"));
    if (key != null) {
      s.put("encryption.keyFile", key.toString());
    }
    return s;
  }

  @Test
  void plaintextReachesReadersButNeitherTheDataDirectoryNorPostgres() throws Exception {
    Path dataDir = tmp.resolve("data");
    Map<String, String> withDir = settings(keyFile);
    withDir.put("data.dir", dataDir.toString());
    TestServer server = TestServer.start(withDir);
    try (Http http = new Http(vertx, server.port());
         WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port())) {
      HttpClient sseClient = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
          .setDefaultHost("127.0.0.1").setDefaultPort(server.port()));
      ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "secret/"));
      assertTrue(ws.next().getBoolean("created"));
      try (WatchClients.Sse sse = new WatchClients.Sse(sseClient, "/v1/watch?prefix=secret/", Map.of())) {
        String v1 = "{\"password\":\"" + secret + "\"}";
        Http.Response created = http.put("/v1/kv/secret/db", v1);
        assertEquals(201, created.status(), created::toString);
        long rev1 = created.json().getLong("revision");
        Http.Response txn = http.post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"vault-a\",\"value\":\"" + secret
            + "-txn\"},{\"op\":\"put\",\"key\":\"open/a\",\"value\":\"" + plain + "\"},{\"op\":\"get\",\"key\":\"secret/db\"}]}");
        assertEquals(200, txn.status(), txn::toString);
        assertEquals(secret, txn.json().getJsonArray("results").getJsonObject(2).getJsonObject("value").getString("password"));

        // Watches: the event carries the plaintext.
        JsonObject event = ws.next().getJsonArray("events").getJsonObject(0);
        assertEquals(secret, event.getJsonObject("value").getString("password"));
        assertTrue(sse.next().data().contains(secret));

        // GET, raw, conditional long-poll, list.
        assertEquals(secret, http.get("/v1/kv/secret/db").json().getJsonObject("value").getString("password"));
        assertEquals(v1, http.get("/v1/kv/secret/db?raw=true").body().toString());
        Http.Response poll = http.get("/v1/kv/secret/db?wait=2s", Map.of("If-None-Match", "\"0\""));
        assertEquals(v1, poll.json().getJsonObject("value").encode().replace(" ", ""));
        JsonArray items = http.get("/v1/kv?prefix=").json().getJsonArray("items");
        assertTrue(items.encode().contains(secret + "-txn") && items.encode().contains(secret), items::encode);
        assertEquals(secret, http.get("/v1/kv/secret/db?atRevision=" + rev1).json().getJsonObject("value")
            .getString("password"));

        // Enough later versions that revision rev1 is compacted locally and served from PostgreSQL.
        List<Long> later = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
          later.add(http.put("/v1/kv/secret/db", "{\"i\":" + i + ",\"pad\":\"" + PAD + "\"}").json().getLong("revision"));
        }
        var store = server.server().store();
        await(() -> store.compactRevision() > rev1 + 20, "the change log is compacted past the first version");
        JsonArray history = http.get("/v1/history/secret/db?limit=1000").json().getJsonArray("items");
        assertEquals(151, history.size());
        assertEquals(secret, history.getJsonObject(150).getJsonObject("value").getString("password"),
            "the oldest version, from PostgreSQL, decrypted");
        assertEquals(149, history.getJsonObject(0).getJsonObject("value").getInteger("i"));
        Http.Response at = http.get("/v1/kv/secret/db?atRevision=" + rev1 + "&raw=true");
        assertEquals(v1, at.body().toString(), "atRevision from PostgreSQL");

        // Rollback restores the plaintext (re-encrypted, with a fresh nonce).
        Http.Response rollback = http.post("/v1/rollback/secret/db", "{\"toRevision\":" + rev1 + "}");
        assertEquals(200, rollback.status(), rollback::toString);
        assertEquals(v1, http.get("/v1/kv/secret/db?raw=true").body().toString());

        // A resumed watch replays from the change log in plaintext.
        long from = store.revision();
        try (WatchClients.Sse resumed = new WatchClients.Sse(sseClient, "/v1/watch?prefix=secret/&fromRevision=" + from,
            Map.of())) {
          assertTrue(resumed.next().data().contains(secret), "replayed rollback event");
        }
        await(() -> PgMirror.persistedRevision(pg.db()) == store.revision(), "PostgreSQL has every revision");
      }
      sseClient.close().await();
    } finally {
      server.close();
    }

    // PostgreSQL: every row of both tables, as text (bytea shows as hex) and as raw value bytes.
    String secretHex = HexFormat.of().formatHex(secret.getBytes(StandardCharsets.UTF_8));
    String plainHex = HexFormat.of().formatHex(plain.getBytes(StandardCharsets.UTF_8));
    for (String table : List.of("ssot_history", "ssot_current")) {
      String dump = pg.db().rows("SELECT row_to_json(t)::text FROM " + table + " t").toString();
      assertFalse(dump.contains(secret) || dump.contains(secretHex), table + " holds the plaintext");
      assertTrue(dump.contains(plainHex), table + " dump must show unencrypted values (the check works)");
      for (List<Object> row : pg.db().rows("SELECT value FROM " + table + " WHERE value IS NOT NULL")) {
        assertFalse(contains((byte[]) row.get(0), secret), table + " value bytes hold the plaintext");
      }
    }
    assertTrue(pg.db().scalar("SELECT count(*) FROM ssot_history WHERE key = 'secret/db'") >= 152);

    // Every file of the data directory, as raw bytes.
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dataDir)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    boolean plainSeen = false;
    for (Path file : files) {
      byte[] bytes = Files.readAllBytes(file);
      assertFalse(contains(bytes, secret), file + " holds the plaintext");
      plainSeen |= contains(bytes, plain);
    }
    assertTrue(plainSeen, "unencrypted values are in the data files (the check works)");

    // Without the key, or with another one, the server refuses to start.
    Map<String, String> noKey = settings(null);
    noKey.put("encryption.prefixes", "");
    noKey.put("data.dir", dataDir.toString());
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> TestServer.start(noKey));
    assertTrue(refused.getMessage().contains("SSOT_ENCRYPTION_KEY_FILE"), refused::getMessage);
    Map<String, String> otherKey = settings(newKeyFile());
    otherKey.put("data.dir", dataDir.toString());
    IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class, () -> TestServer.start(otherKey));
    assertTrue(wrong.getMessage().contains("not hold the key"), wrong::getMessage);
    Map<String, String> sameKey = settings(keyFile);
    sameKey.put("data.dir", dataDir.toString());
    try (TestServer again = TestServer.start(sameKey); Http http = new Http(vertx, again.port())) {
      assertEquals(secret, http.get("/v1/kv/vault-a").json().getString("value").replace("-txn", ""));
    }
  }

  @Test
  void anAlteredCiphertextIsAClearErrorOnEveryReadPath() throws Exception {
    Map<String, String> local = settings(keyFile);
    local.remove("pg.url");
    try (TestServer server = TestServer.start(local); Http http = new Http(vertx, server.port());
         WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port())) {
      ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "secret/"));
      assertTrue(ws.next().getBoolean("created"));
      ValueCipher cipher = ValueCipher.configure(keyFile.toString(), "secret/");
      byte[] sealed = cipher.seal("secret/other", "1".getBytes(StandardCharsets.UTF_8));
      // Bytes sealed for another key, written straight into the store: the tag cannot verify.
      server.server().store().put("secret/moved", sealed, io.ssot.store.Precondition.NONE, "test");
      for (String uri : List.of("/v1/kv/secret/moved", "/v1/kv/secret/moved?raw=true", "/v1/kv?prefix=secret/",
          "/v1/history/secret/moved")) {
        Http.Response r = http.get(uri);
        assertEquals(503, r.status(), uri + " -> " + r);
        assertEquals("undecryptable", r.json().getString("code"));
      }
      JsonObject ended = ws.next();
      assertEquals("undecryptable", ended.getString("error"), ended::encode);
      assertEquals(200, http.get("/v1/kv?prefix=secret/&keysOnly=true").status(), "keys are not encrypted");
    }
  }

  @Test
  void aCiphertextMovedToAnotherKeyDoesNotDecrypt() throws Exception {
    ValueCipher cipher = ValueCipher.configure(keyFile.toString(), "a/");
    byte[] sealed = cipher.seal("a/x", "\"v\"".getBytes(StandardCharsets.UTF_8));
    assertTrue(ValueCipher.isSealed(sealed));
    assertEquals("\"v\"", new String(cipher.open("a/x", sealed), StandardCharsets.UTF_8));
    assertThrows(ValueCipher.Undecryptable.class, () -> cipher.open("a/y", sealed));
    sealed[sealed.length - 1] ^= 1;
    assertThrows(ValueCipher.Undecryptable.class, () -> cipher.open("a/x", sealed));
    byte[] outside = "1".getBytes(StandardCharsets.UTF_8);
    assertTrue(outside == cipher.seal("b/x", outside), "values outside the prefixes stay plain");
    assertThrows(ValueCipher.Undecryptable.class,
        () -> ValueCipher.DISABLED.open("a/x", cipher.seal("a/x", outside)));
    ValueCipher everything = ValueCipher.configure(keyFile.toString(), "~,a");
    assertTrue(outside == everything.seal("~sys/schemas/a", outside), "the server's own records stay plain");
  }

  @Test
  void keyFileMustHoldThirtyTwoBytes() throws Exception {
    Path raw = Files.createTempFile(tmp, "ssot-key", ".bin");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.write(raw, key);
    assertTrue(ValueCipher.configure(raw.toString(), "x").enabled());
    Path bad = Files.createTempFile(tmp, "ssot-key", ".txt");
    Files.writeString(bad, "too short");
    assertThrows(IllegalArgumentException.class, () -> ValueCipher.configure(bad.toString(), "x"));
    assertThrows(IllegalArgumentException.class, () -> ValueCipher.configure("", "x"), "prefixes without a key");
  }

  private static boolean contains(byte[] haystack, String needle) {
    return new String(haystack, StandardCharsets.ISO_8859_1).contains(needle);
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(20);
    }
  }
}
