package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.config.Config;
import io.ssot.config.StartupFailure;
import io.ssot.store.Commit;
import io.ssot.store.DataDir;
import io.ssot.store.Entry;
import io.ssot.store.Precondition;
import io.ssot.store.StoreLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data directory is never opened as a store when it is not one: the remains of an
 * interrupted bootstrap from PostgreSQL are refused without PostgreSQL and loaded again with
 * it; a directory behind PostgreSQL (stale, or from another deployment) is refused.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DataDirRefusalTest {

  private static final DataDir.Options OPTIONS = new DataDir.Options(20_000, 256, 1 << 20);

  @TempDir
  Path work;

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  private static SsotServer start(Path data, String pgUrl) throws IOException {
    Map<String, String> settings = new HashMap<>();
    settings.put("http.port", "0");
    settings.put("http.eventLoops", "1");
    settings.put("data.dir", data.toString());
    settings.put("store.maxKeys", "20000");
    settings.put("changelog.segmentBytes", "1MiB");
    settings.put("admin.token", TestServer.ADMIN_TOKEN);
    settings.put("pg.url", pgUrl);
    return SsotServer.start(Config.defaults().with(settings));
  }

  /** A load that stopped after its first commit, as a kill during a bootstrap leaves it. */
  private static void interruptedLoad(Path data) throws IOException {
    try (StoreLoader loader = StoreLoader.create(data, OPTIONS, 1)) {
      byte[] value = "\"half\"".getBytes(StandardCharsets.UTF_8);
      loader.append(new Commit(1, 1L, List.of(new Entry("half/loaded", value, 1, 1, 1, 0, 1L, "loader"))));
    }
    assertTrue(Files.exists(data.resolve("bootstrapping")), "the marker stays until the load finishes");
  }

  @Test
  void anInterruptedBootstrapIsNotOpenedAsAStore() throws IOException {
    Path data = work.resolve("data");
    interruptedLoad(data);
    assertTrue(DataDir.isEmpty(data), "an interrupted load counts as empty, so it is loaded again");
    IOException refused = assertThrows(IOException.class, () -> DataDir.open(data, OPTIONS));
    assertTrue(refused.getMessage().contains("bootstrap") && refused.getMessage().contains("interrupted"),
        refused.getMessage());
    StartupFailure server = assertThrows(StartupFailure.class, () -> start(data, ""));
    assertEquals(StartupFailure.ENVIRONMENT, server.exitCode());
    assertTrue(server.getMessage().contains("interrupted"), server.getMessage());
  }

  @Test
  void anInterruptedBootstrapIsLoadedAgainFromPostgres() throws IOException {
    SsotServer source = start(work.resolve("source"), pg.db().url());
    try {
      for (int i = 1; i <= 3; i++) {
        source.store().put("boot/k" + i, ("\"v" + i + "\"").getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t");
      }
    } finally {
      source.stop(); // drains the write-behind
    }
    Path data = work.resolve("data");
    interruptedLoad(data);
    SsotServer again = start(data, pg.db().url());
    try {
      assertEquals(3, again.store().revision());
      assertEquals("\"v2\"", new String(again.store().get("boot/k2").value(), StandardCharsets.UTF_8));
      assertNull(again.store().get("half/loaded"), "nothing of the interrupted load is left");
      assertFalse(Files.exists(data.resolve("bootstrapping")));
    } finally {
      again.stop();
    }
  }

  @Test
  void aDataDirBehindPostgresIsRefused() throws IOException {
    Path data = work.resolve("data");
    Path snapshot = work.resolve("snapshot");
    SsotServer server = start(data, pg.db().url());
    try {
      for (int i = 1; i <= 3; i++) {
        server.store().put("stale/k" + i, "1".getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t");
      }
    } finally {
      server.stop();
    }
    copy(data, snapshot);
    server = start(data, pg.db().url());
    try {
      server.store().put("stale/k4", "1".getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t");
      server.store().put("stale/k5", "1".getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t");
    } finally {
      server.stop();
    }
    // The directory as it was at revision 3, with PostgreSQL at 5.
    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> start(snapshot, pg.db().url()));
    assertTrue(refused.getMessage().contains("holds revisions up to 5")
        && refused.getMessage().contains("only up to 3") && refused.getMessage().contains("stale"),
        refused.getMessage());
    // Refused before anything changed: the directory still opens at revision 3.
    try (DataDir reopened = DataDir.open(snapshot, OPTIONS)) {
      assertEquals(3, reopened.store().revision());
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path p : files.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else if (!p.getFileName().toString().equals("LOCK")) {
          Files.copy(p, target);
        }
      }
    }
  }
}
