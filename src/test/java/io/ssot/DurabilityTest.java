package io.ssot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.store.ChangeLog;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes with {@code ?durability=sync} are answered once group commit has forced them, and are
 * then in the change-log files; a write the store cannot hold is refused without harm.
 */
@ExtendWith(VertxExtension.class)
class DurabilityTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().setting("changelog.segmentBytes", "64KiB").build();

  /** Where {@link #copyOfLog()} copies the change log. */
  @TempDir
  static Path copies;

  /** The change log as a restart would find it now: a copy of its files, opened afresh. */
  private static ChangeLog copyOfLog() throws IOException {
    Path copy = Files.createTempDirectory(copies, "log");
    try (Stream<Path> files = Files.list(server.dataDir().resolve("changelog"))) {
      for (Path f : files.toList()) {
        Files.copy(f, copy.resolve(f.getFileName()));
      }
    }
    return ChangeLog.open(copy, 64 << 10, 1);
  }

  private static Entry change(ChangeLog log, long revision, String key) {
    Commit c = log.read(revision);
    assertNotNull(c, "revision " + revision + " is in the files");
    return c.changes().stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow();
  }

  @Test
  void syncWritesAnswerAsUsualAndAreInTheFiles() throws IOException {
    Http.Response created = server.http().put("/v1/kv/sync/a?durability=sync", "{\"v\":1}");
    assertEquals(201, created.status(), created::toString);
    Http.Response updated = server.http().put("/v1/kv/sync/a?durability=sync", "{\"v\":2}");
    assertEquals(200, updated.status(), updated::toString);
    assertEquals(2, updated.json().getLong("version"));
    Http.Response txn = server.http().post("/v1/txn?durability=sync",
        "{\"compare\":[],\"success\":[{\"op\":\"put\",\"key\":\"sync/b\",\"value\":3}],\"failure\":[]}");
    assertEquals(200, txn.status(), txn::toString);
    Http.Response deleted = server.http().send(HttpMethod.DELETE, "/v1/kv/sync/a?durability=sync", Map.of(), null);
    assertEquals(200, deleted.status(), deleted::toString);
    assertEquals(400, server.http().put("/v1/kv/sync/a?durability=eventually", "1").status());

    try (ChangeLog log = copyOfLog()) {
      assertEquals("{\"v\":2}", new String(change(log, updated.json().getLong("revision"), "sync/a").value(),
          StandardCharsets.UTF_8));
      assertEquals("3", new String(change(log, txn.json().getLong("revision"), "sync/b").value(),
          StandardCharsets.UTF_8));
      assertTrue(change(log, deleted.json().getLong("revision"), "sync/a").isDelete());
    }
  }

  @Test
  void manyConcurrentSyncWritesAllComplete() throws IOException {
    HttpClient client = server.vertx().createHttpClient(
        new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port()),
        new PoolOptions().setHttp1MaxSize(8));
    int writes = 300;
    List<Future<JsonObject>> answers = new ArrayList<>();
    for (int i = 0; i < writes; i++) {
      String body = "{\"i\":" + i + "}";
      answers.add(Http.exchange(client.request(new RequestOptions().putHeader("Authorization", Http.ADMIN_AUTHORIZATION)
              .setMethod(HttpMethod.PUT).setURI("/v1/kv/many/" + (i % 20) + "?durability=sync")),
          req -> req.putHeader("Content-Type", "application/json").send(body),
          resp -> resp.body().map(b -> {
            if (resp.statusCode() != 200 && resp.statusCode() != 201) {
              throw new IllegalStateException(resp.statusCode() + " " + b);
            }
            return b.toJsonObject().put("value", body);
          })));
    }
    List<JsonObject> acks = Future.all(answers).map(all -> {
      List<JsonObject> out = new ArrayList<>();
      for (int i = 0; i < writes; i++) {
        out.add(all.resultAt(i));
      }
      return out;
    }).await();
    client.close().await();
    assertEquals(writes, acks.stream().map(a -> a.getLong("revision")).distinct().count(),
        "one revision per write");
    try (ChangeLog log = copyOfLog()) {
      for (JsonObject ack : acks) {
        Entry e = change(log, ack.getLong("revision"), ack.getString("key"));
        assertArrayEquals(ack.getString("value").getBytes(StandardCharsets.UTF_8), e.value());
      }
    }
  }

  @Test
  void aTxnValueLargerThanTheStoreCanHoldIs413AndWritesGoOn() throws IOException {
    long before = server.http().put("/v1/kv/large/before", "1").json().getLong("revision");
    // Under the 8 MiB txn body limit, but more than a store sized for 20,000 keys of 512 bytes
    // holds in one entry.
    String huge = "\"" + "h".repeat(3 << 20) + "\"";
    Http.Response refused = server.http().post("/v1/txn",
        "{\"compare\":[],\"success\":[{\"op\":\"put\",\"key\":\"large/k\",\"value\":" + huge + "}],\"failure\":[]}");
    assertEquals(413, refused.status(), refused::toString);
    assertEquals("too-large", refused.json().getString("code"));
    Http.Response after = server.http().put("/v1/kv/large/after", "2");
    assertEquals(201, after.status(), after::toString);
    assertEquals(before + 1, after.json().getLong("revision"), "the refused write used no revision");
    assertEquals(404, server.http().get("/v1/kv/large/k").status());
    // A value at the default 1 MiB limit fits a store of this size.
    Http.Response max = server.http().put("/v1/kv/large/max", "\"" + "m".repeat((1 << 20) - 2) + "\"");
    assertEquals(201, max.status(), max::toString);

    server.restart();
    assertEquals(200, server.http().get("/v1/kv/large/after").status(), "the store reopens");
    assertEquals(after.json().getLong("revision") + 1, server.server().store().revision());
  }
}
