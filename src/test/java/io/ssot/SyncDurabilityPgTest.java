package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With PostgreSQL up, a sync write (per request, or every write on a server set to sync) is
 * answered only once PostgreSQL has committed it: it is in ssot_history when the answer arrives.
 */
@ExtendWith(VertxExtension.class)
class SyncDurabilityPgTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Checks, right after the answer, that PostgreSQL has the change; returns what is wrong or null. */
  private static String inPostgres(Connection c, String key, long revision, String value) throws Exception {
    List<List<Object>> rows = PgTestDatabase.rows(c,
        "SELECT type, value, updated_by FROM ssot_history WHERE revision = ? AND key = ?", revision, key);
    if (rows.isEmpty()) {
      return key + "@" + revision + " is not in ssot_history when answered";
    }
    List<Object> row = rows.get(0);
    boolean delete = ((Number) row.get(0)).intValue() == 2;
    if (delete != (value == null) || (value != null
        && !java.util.Arrays.equals(value.getBytes(StandardCharsets.UTF_8), (byte[]) row.get(1)))
        || !"admin".equals(row.get(2))) {
      return key + "@" + revision + " differs in ssot_history: " + row;
    }
    long mark = ((Number) PgTestDatabase.rows(c, "SELECT persisted_revision FROM ssot_state").get(0).get(0))
        .longValue();
    return mark >= revision ? null : "persisted_revision " + mark + " below answered " + revision;
  }

  @Test
  void concurrentSyncWritesAreInPostgresWhenAnswered(Vertx vertx) throws Exception {
    server = TestServer.start(Map.of("pg.url", pg.db().url()));
    int connections = 8;
    int perConnection = 25;
    Queue<String> problems = new ConcurrentLinkedQueue<>();
    AtomicInteger checked = new AtomicInteger();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < connections; t++) {
      int id = t;
      Thread thread = new Thread(() -> {
        Random random = new Random(id);
        try (Http http = new Http(vertx, server.port()); Connection c = pg.db().connect()) {
          for (int i = 0; i < perConnection; i++) {
            String value = new JsonObject().put("t", id).put("i", i).encode();
            String hot = "sync/hot/" + random.nextInt(4);
            int dice = random.nextInt(10);
            if (dice < 6) {
              String key = dice < 3 ? "sync/t" + id + "/" + i : hot;
              Http.Response r = http.put("/v1/kv/" + key + "?durability=sync", value);
              if (r.status() != 200 && r.status() != 201) {
                problems.add("put answered " + r);
                continue;
              }
              String p = inPostgres(c, key, r.json().getLong("revision"), value);
              if (p != null) {
                problems.add(p);
              }
            } else if (dice < 8) {
              Http.Response r = http.delete("/v1/kv/" + hot + "?durability=sync");
              if (r.status() == 404) {
                continue;
              }
              if (r.status() != 200) {
                problems.add("delete answered " + r);
                continue;
              }
              String p = inPostgres(c, hot, r.json().getLong("revision"), null);
              if (p != null) {
                problems.add(p);
              }
            } else {
              String a = "sync/txn/t" + id;
              String body = new JsonObject().put("compare", new JsonArray())
                  .put("success", new JsonArray()
                      .add(new JsonObject().put("op", "put").put("key", a).put("value", new JsonObject(value)))
                      .add(new JsonObject().put("op", "put").put("key", hot).put("value", new JsonObject(value))))
                  .put("failure", new JsonArray()).encode();
              Http.Response r = http.post("/v1/txn?durability=sync", body);
              if (r.status() != 200) {
                problems.add("txn answered " + r);
                continue;
              }
              long rev = r.json().getLong("revision");
              for (String key : List.of(a, hot)) {
                String p = inPostgres(c, key, rev, value);
                if (p != null) {
                  problems.add(p);
                }
              }
            }
            checked.incrementAndGet();
          }
        } catch (Exception e) {
          problems.add(e.toString());
        }
      }, "sync-" + t);
      threads.add(thread);
      thread.start();
    }
    for (Thread t : threads) {
      t.join(60_000);
    }
    assertEquals(List.of(), new ArrayList<>(problems));
    assertTrue(checked.get() > connections * perConnection / 2, "writes checked: " + checked);
    System.out.printf("%d sync writes checked in PostgreSQL as answered%n", checked.get());
    PgMirror.assertMirrors(server.server().store(), pg.db(), "after sync writes");
  }

  @Test
  void aServerSetToSyncAnswersEveryWriteOncePostgresHasIt(Vertx vertx) throws Exception {
    server = TestServer.start(Map.of("pg.url", pg.db().url(), "durability", "sync"));
    try (Http http = new Http(vertx, server.port()); Connection c = pg.db().connect()) {
      for (int i = 0; i < 20; i++) {
        String value = Integer.toString(i);
        Http.Response put = http.put("/v1/kv/server-sync/" + (i % 3), value);
        assertTrue(put.status() == 200 || put.status() == 201, put::toString);
        assertEquals(null, inPostgres(c, "server-sync/" + (i % 3), put.json().getLong("revision"), value));
      }
      Http.Response deleted = http.delete("/v1/kv/server-sync/0");
      assertEquals(200, deleted.status(), deleted::toString);
      assertEquals(null, inPostgres(c, "server-sync/0", deleted.json().getLong("revision"), null));
      Http.Response local = http.put("/v1/kv/server-sync/local?durability=local", "1");
      assertEquals(201, local.status(), local::toString);
      PostgresOutageTest.await(http, p -> p.getLong("outboxDepth") == 0, 10, "drained");
    }
    PgMirror.assertMirrors(server.server().store(), pg.db(), "after sync writes");
  }
}
