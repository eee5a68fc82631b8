package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ssot.persist.WriteBehind;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The change log is compacted past what the write-behind has written (a compaction not pinned
 * at its high-water mark, during a PostgreSQL outage): the revision it needs next is gone for
 * good. Readiness shows PostgreSQL down with that reason, the write-behind says it once and stops,
 * and local writes go on.
 */
@ExtendWith(VertxExtension.class)
class WriteBehindHaltTest {

  private PgTestDatabase db;
  private TcpProxy proxy;
  private TestServer server;
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private final Logger writeBehindLog = (Logger) LoggerFactory.getLogger(WriteBehind.class);

  @BeforeEach
  void start() throws Exception {
    log.start();
    writeBehindLog.addAppender(log);
    db = PgTestDatabase.create();
    proxy = new TcpProxy(PgTestDatabase.PORT);
    // Small segments, so a few hundred writes fill several and compaction can drop whole ones.
    server = TestServer.start(Map.of("pg.url", db.url(proxy.port()), "pg.circuitResetTimeout", "500ms",
        "pg.syncTimeout", "2s", "shutdown.timeout", "2s", "changelog.segmentBytes", "64KiB"));
  }

  @AfterEach
  void stop() throws Exception {
    writeBehindLog.detachAppender(log);
    if (server != null) {
      server.close();
    }
    proxy.close();
    db.close();
  }

  @Test
  void aRevisionCompactedBeforeItWasWrittenTakesReadinessDownOnce(Vertx vertx) throws Exception {
    String value = "{\"pad\":\"" + "x".repeat(1000) + "\"}";
    try (Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/halt/first", value).status());
      PostgresOutageTest.await(http, pg -> "up".equals(pg.getString("status")) && pg.getLong("outboxDepth") == 0,
          15, "the first write reaches PostgreSQL");

      proxy.cut();
      for (int i = 0; i < 300; i++) {
        assertEquals(201, http.put("/v1/kv/halt/" + i, value).status());
      }
      long persisted = db.scalar("SELECT persisted_revision FROM ssot_state");
      long compactRevision = server.server().store().compact(1, Long.MAX_VALUE);
      assertTrue(compactRevision > persisted + 1,
          "the segment holding revision " + (persisted + 1) + " was dropped; the log starts at " + compactRevision);

      JsonObject down = PostgresOutageTest.await(http, pg -> pg.getString("reason") != null
          && pg.getString("reason").contains("missing from the change log"), 15, "readiness names the lost revision");
      System.out.println("readiness: " + down.encode());
      assertEquals("down", down.getString("status"), down::encode);
      assertTrue(down.getString("reason").contains("revision " + (persisted + 1) + " is missing"), down::encode);
      assertEquals(down.getString("reason"), down.getString("lastError"), down::encode);

      proxy.restore();
      for (int i = 0; i < 50; i++) {
        assertEquals(200, http.put("/v1/kv/halt/" + (i % 20), value).status(), "local writes go on");
      }
      Thread.sleep(1500); // past the circuit's reset: a write-behind that went on would have written by now
      JsonObject after = http.get("/health/ready").json().getJsonObject("checks").getJsonObject("postgres");
      assertEquals("down", after.getString("status"), after::encode);
      assertEquals(down.getString("reason"), after.getString("reason"), after::encode);
      assertEquals(server.server().store().revision() - persisted, after.getLong("outboxDepth"), after::encode);
      assertEquals(persisted, db.scalar("SELECT persisted_revision FROM ssot_state"),
          "nothing is written past the lost revision");
      long said = log.list.stream().filter(e -> e.getLevel() == Level.ERROR).count();
      assertEquals(1, said, "said once, not on every commit: " + log.list);
    }
  }
}
