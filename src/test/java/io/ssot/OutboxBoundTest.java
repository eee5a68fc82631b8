package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * While PostgreSQL is away the outbox is bounded: past {@code pg.maxOutboxRevisions}, writes
 * are refused with a 503 problem and Retry-After, never dropped; every acknowledged write reaches
 * PostgreSQL once it is back, and writes are taken again.
 */
@ExtendWith(VertxExtension.class)
class OutboxBoundTest {

  private static final int BOUND = 50;

  @RegisterExtension
  final ServerExtension server = ServerExtension.builder().postgresThroughProxy()
      .setting("pg.maxOutboxRevisions", Integer.toString(BOUND)).setting("pg.circuitResetTimeout", "500ms")
      .setting("shutdown.timeout", "2s").build();

  private static void assertRefused(Http.Response r) {
    assertEquals(503, r.status(), r::toString);
    assertTrue(r.header("Retry-After") != null && Long.parseLong(r.header("Retry-After")) > 0, r::toString);
    assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r::toString);
    JsonObject problem = r.json();
    assertEquals(503, problem.getInteger("status"), r::toString);
    assertEquals("unavailable", problem.getString("code"), r::toString);
    assertTrue(problem.getString("detail").contains("outbox"), r::toString);
  }

  @Test
  void writesPastTheBoundAre503AndNoneIsLost(Vertx vertx) throws Exception {
    List<CrashRecoveryTest.Ack> acks = new ArrayList<>();
    try (Http http = new Http(vertx, server.port())) {
      Http.Response first = http.put("/v1/kv/bound/first?durability=sync", "1");
      assertEquals(201, first.status(), first::toString);
      acks.add(new CrashRecoveryTest.Ack("bound/first", first.json().getLong("revision"), "1"));
      server.proxy().cut();

      // One connection: exactly BOUND revisions are taken, then puts, deletes and txns are refused.
      int taken = 0;
      while (true) {
        String key = "bound/k" + taken;
        Http.Response r = http.put("/v1/kv/" + key, Integer.toString(taken));
        if (r.status() == 503) {
          assertRefused(r);
          break;
        }
        assertEquals(201, r.status(), r::toString);
        acks.add(new CrashRecoveryTest.Ack(key, r.json().getLong("revision"), Integer.toString(taken)));
        taken++;
        assertTrue(taken <= BOUND, "more than " + BOUND + " revisions taken into the outbox");
      }
      assertEquals(BOUND, taken, "the outbox takes up to its bound");
      long revision = server.server().store().revision();
      assertRefused(http.put("/v1/kv/bound/first", "2"));
      assertRefused(http.delete("/v1/kv/bound/first"));
      assertRefused(http.post("/v1/txn",
          "{\"compare\":[],\"success\":[{\"op\":\"put\",\"key\":\"bound/t\",\"value\":1}],\"failure\":[]}"));
      assertEquals(revision, server.server().store().revision(), "a refused write takes no revision");
      assertEquals(200, http.get("/v1/kv/bound/first").status(), "reads go on");

      // Several connections at the bound: every write is refused, none is taken.
      Queue<Http.Response> answers = new ConcurrentLinkedQueue<>();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        int id = t;
        Thread thread = new Thread(() -> {
          try (Http h = new Http(vertx, server.port())) {
            for (int i = 0; i < 10; i++) {
              answers.add(h.put("/v1/kv/bound/c" + id + "/" + i, "1"));
            }
          }
        });
        threads.add(thread);
        thread.start();
      }
      for (Thread t : threads) {
        t.join(30_000);
      }
      assertEquals(60, answers.size());
      answers.forEach(OutboxBoundTest::assertRefused);
      JsonObject pg = PostgresOutageTest.await(http, p -> true, 1, "health");
      assertEquals(BOUND, pg.getLong("outboxDepth"), pg::encode);

      server.proxy().restore();
      PostgresOutageTest.await(http, p -> p.getLong("outboxDepth") == 0 && "up".equals(p.getString("status")), 15,
          "the outbox drains once PostgreSQL is back");
      Http.Response again = http.put("/v1/kv/bound/again", "3");
      assertEquals(201, again.status(), "writes are taken again: " + again);
      acks.add(new CrashRecoveryTest.Ack("bound/again", again.json().getLong("revision"), "3"));
      PostgresOutageTest.await(http, p -> p.getLong("outboxDepth") == 0, 15, "drained");

      PgMirror.assertAcknowledged(acks, server.db(), "after the outage");
      PgMirror.assertMirrors(server.server().store(), server.db(), "after the outage");
      assertEquals(BOUND + 2, server.server().store().revision(), "only the acknowledged writes were committed");
    }
  }
}
