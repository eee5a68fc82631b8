package io.ssot.persist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.ssot.Http;
import io.ssot.PgExtension;
import io.ssot.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Rows of ssot_current changed by hand are found and named (API, metric, readiness, audit) and
 * left as they are; writes going on during a check are no drift.
 */
@ExtendWith(VertxExtension.class)
class PgDriftTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  private static double metric(Http http, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? (\\S+)$").matcher(http.get("/metrics").body().toString());
    assertTrue(m.find(), name + " is exported");
    return Double.parseDouble(m.group(2));
  }

  @Test
  void aChangeByHandInSsotCurrentIsReportedByKeyAndNotRepaired(Vertx vertx) throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger audit = (Logger) LoggerFactory.getLogger("ssot.audit");
    audit.addAppender(logs);
    try (TestServer server = TestServer.start(Map.of("pg.url", pg.db().url(), "pg.driftCheckInterval", "300ms"));
         Http http = new Http(vertx, server.port())) {
      for (int i = 0; i < 200; i++) {
        assertEquals(201, http.put("/v1/kv/d/" + i, "{\"v\":" + i + "}").status());
      }
      // Writes while checking are not drift.
      AtomicBoolean stop = new AtomicBoolean();
      Thread writer = new Thread(() -> {
        try (Http w = new Http(vertx, server.port())) {
          for (int n = 0; !stop.get(); n++) {
            w.put("/v1/kv/d/" + (n % 200), "{\"n\":" + n + "}");
          }
        }
      });
      writer.start();
      JsonObject clean;
      try {
        clean = http.get("/v1/pg/drift").json();
      } finally {
        stop.set(true);
        writer.join();
      }
      assertEquals(0, clean.getLong("drifted"), clean::encode);
      assertEquals(clean.getString("storeDigest"), clean.getString("pgDigest"));
      assertTrue(clean.getLong("compared") > 0, clean::encode);

      // Hand-made changes after the write-behind wrote everything, or it would overwrite them.
      long revision = server.server().store().revision();
      long caughtUp = System.currentTimeMillis() + 10_000;
      while (pg.db().scalar("SELECT persisted_revision FROM ssot_state") < revision
          && System.currentTimeMillis() < caughtUp) {
        Thread.sleep(50);
      }
      try (Connection c = pg.db().connect(); Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE ssot_current SET value = convert_to('\"by hand\"', 'UTF8') WHERE key = 'd/7'");
        s.executeUpdate("DELETE FROM ssot_current WHERE key = 'd/9'");
        s.executeUpdate("INSERT INTO ssot_current SELECT 'd/extra', value, revision, create_revision, version, "
            + "prev_revision, updated_at, updated_by FROM ssot_current WHERE key = 'd/1'");
      }
      JsonObject found = http.get("/v1/pg/drift").json();
      assertEquals(3, found.getLong("drifted"), found::encode);
      assertTrue(!found.getString("storeDigest").equals(found.getString("pgDigest")));
      List<String> keys = found.getJsonArray("keys").stream().map(o -> ((JsonObject) o).getString("key")).toList();
      assertEquals(List.of("d/7", "d/9", "d/extra"), keys);
      JsonObject missing = found.getJsonArray("keys").getJsonObject(1);
      assertEquals(null, missing.getValue("pgRevision"), "d/9 is gone from PostgreSQL: " + missing);

      long deadline = System.currentTimeMillis() + 10_000;
      while (metric(http, "ssot_pg_drift_keys") != 3 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertEquals(3.0, metric(http, "ssot_pg_drift_keys"));
      Http.Response ready = http.get("/health/ready");
      assertEquals(200, ready.status(), "drift is reported, the node stays ready");
      JsonObject drift = ready.json().getJsonObject("checks").getJsonObject("postgres").getJsonObject("drift");
      assertEquals("drift", drift.getString("status"), drift::encode);
      assertEquals(List.of("d/7", "d/9", "d/extra"), drift.getJsonArray("sample").getList());
      assertTrue(logs.list.stream().map(ILoggingEvent::getFormattedMessage)
              .anyMatch(line -> line.contains("\"event\":\"pg-drift\"") && line.contains("d/7") && line.contains("d/extra")),
          "an audit line names the keys");

      // Reported, never repaired: both sides as they were.
      assertEquals("\"by hand\"", pg.db().rows("SELECT convert_from(value, 'UTF8') FROM ssot_current WHERE key = 'd/7'")
          .get(0).get(0));
      assertEquals(0, pg.db().scalar("SELECT count(*) FROM ssot_current WHERE key = 'd/9'"));
      assertEquals(200, http.get("/v1/kv/d/9").status());
      assertEquals(404, http.get("/v1/kv/d/extra").status());
    } finally {
      audit.detachAppender(logs);
    }
  }
}
