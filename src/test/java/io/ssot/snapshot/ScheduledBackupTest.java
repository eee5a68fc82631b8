package io.ssot.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.Http;
import io.ssot.TempFiles;
import io.ssot.TestServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** backup.*: snapshots are written on schedule, verified and rotated; a failing backup is reported, not fatal. */
@ExtendWith(VertxExtension.class)
class ScheduledBackupTest {

  private static double metric(Http http, String name) {
    String body = http.get("/metrics").body().toString();
    Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? (\\S+)$").matcher(body);
    assertTrue(m.find(), name + " is exported");
    return Double.parseDouble(m.group(2));
  }

  private static List<Path> backups(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.sorted().toList();
    }
  }

  @Test
  void backupsAreWrittenVerifiedAndRotated(Vertx vertx) throws Exception {
    Path dir = Files.createTempDirectory("ssot-backups");
    try (TestServer server = TestServer.start(Map.of("backup.dir", dir.toString(), "backup.interval", "300ms",
        "backup.retain", "2")); Http http = new Http(vertx, server.port())) {
      long deadline = System.currentTimeMillis() + 20_000;
      int written = 0;
      double lastSuccess = 0;
      // Keep writing so each backup is of a later revision; count the successes the metric shows.
      for (int i = 0; written < 4 && System.currentTimeMillis() < deadline; i++) {
        assertEquals(201, http.put("/v1/kv/b/" + i, "{\"i\":" + i + "}").status());
        double success = metric(http, "ssot_backup_last_success_timestamp_seconds");
        if (success > lastSuccess) {
          lastSuccess = success;
          written++;
        }
        Thread.sleep(50);
      }
      assertTrue(written >= 4, "four backups within 20 s");
      List<Path> kept = backups(dir);
      assertEquals(2, kept.size(), "backup.retain=2 keeps the newest two: " + kept);
      for (Path file : kept) {
        assertTrue(file.getFileName().toString().matches("ssot-\\d{8}T\\d{6}\\.\\d{3}Z\\.snapshot"), file::toString);
      }
      SnapshotFile.Summary older = SnapshotFile.verify(kept.get(0));
      SnapshotFile.Summary newer = SnapshotFile.verify(kept.get(1));
      assertTrue(newer.revision() >= older.revision());
      assertTrue(newer.count() >= 1 && newer.count() <= server.server().store().size());
      assertTrue(metric(http, "ssot_backup_last_bytes") > 0);
      assertEquals(0.0, metric(http, "ssot_backup_failures_total"));
      JsonObject backup = http.get("/health/ready").json().getJsonObject("checks").getJsonObject("backup");
      assertEquals("up", backup.getString("status"), backup::encode);
    } finally {
      TempFiles.delete(dir);
    }
  }

  @Test
  void aFailingBackupShowsInMetricsAndReadinessWhileTheServerStaysReady(Vertx vertx) throws Exception {
    Path notADir = Files.createTempFile("ssot-backup", ".file");
    try (TestServer server = TestServer.start(Map.of("backup.dir", notADir.resolve("backups").toString(),
        "backup.interval", "200ms")); Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/b/x", "1").status());
      long deadline = System.currentTimeMillis() + 10_000;
      while (metric(http, "ssot_backup_failures_total") < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertTrue(metric(http, "ssot_backup_failures_total") >= 2, "failures are counted, and retried");
      assertEquals(0.0, metric(http, "ssot_backup_last_success_timestamp_seconds"));
      Http.Response ready = http.get("/health/ready");
      assertEquals(200, ready.status(), "still ready: " + ready);
      JsonObject backup = ready.json().getJsonObject("checks").getJsonObject("backup");
      assertEquals("failing", backup.getString("status"), backup::encode);
      assertTrue(backup.getString("lastError").contains("backups"), backup::encode);
    } finally {
      Files.deleteIfExists(notADir);
    }
  }
}
