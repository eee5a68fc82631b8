package io.ssot.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.ssot.http.JsonWriter;
import io.ssot.snapshot.SnapshotFile;
import io.ssot.store.MvccStore;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled backups ({@code backup.*}): every interval, on a worker thread, a snapshot of the
 * store is written to {@code backup.dir} atomically and read back to verify it
 * ({@link SnapshotFile#write}); then only the newest {@code backup.retain} are kept. A failure
 * is counted and reported (metrics, readiness detail, log) and the next run tries again; it
 * never makes the server unready.
 */
public final class Backups {

  private static final Logger LOG = LoggerFactory.getLogger(Backups.class);
  private static final DateTimeFormatter NAME_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
  static final String PREFIX = "ssot-";
  static final String SUFFIX = ".snapshot";

  private final Vertx vertx;
  private final MvccStore store;
  private final Path dir;
  private final int retain;
  private final long timer;
  private boolean running;
  private volatile long lastSuccessMillis;
  private volatile long lastBytes;
  private volatile long lastRevision;
  private volatile String lastFile;
  private volatile long failures;
  /** The reason of the last run when it failed, {@code null} after a success. */
  private volatile String lastError;

  public Backups(Vertx vertx, MvccStore store, Path dir, Duration interval, int retain, MeterRegistry registry) {
    this.vertx = vertx;
    this.store = store;
    this.dir = dir;
    this.retain = retain;
    Gauge.builder("ssot_backup_last_success_timestamp_seconds", this, b -> b.lastSuccessMillis / 1000.0)
        .description("When the last scheduled backup was written and verified (epoch seconds; 0: none yet)")
        .register(registry);
    Gauge.builder("ssot_backup_last_bytes", this, b -> b.lastBytes)
        .description("Size of the last verified scheduled backup").register(registry);
    FunctionCounter.builder("ssot_backup_failures", this, b -> b.failures)
        .description("Scheduled backups that failed (not written or not verified)").register(registry);
    this.timer = vertx.setPeriodic(interval.toMillis(), id -> run());
  }

  /** Starts a backup now unless one is running (on the event loop that owns the timer). */
  private void run() {
    if (running || !store.listingReady().isDone()) {
      return;
    }
    running = true;
    vertx.executeBlocking(this::writeAndRotate, false).onComplete(ar -> {
      running = false;
      if (ar.succeeded()) {
        SnapshotFile.Summary s = ar.result();
        lastSuccessMillis = System.currentTimeMillis();
        lastBytes = s.bytes();
        lastRevision = s.revision();
        lastError = null;
      } else {
        failures++;
        lastError = ar.cause().toString();
        LOG.warn("Scheduled backup into {} failed: {}", dir.toAbsolutePath(), lastError);
      }
    });
  }

  private SnapshotFile.Summary writeAndRotate() throws IOException {
    long started = System.nanoTime();
    Path file = dir.resolve(PREFIX + NAME_TIME.format(Instant.now()) + SUFFIX);
    SnapshotFile.Summary summary = SnapshotFile.write(store, file);
    lastFile = file.toString();
    List<Path> backups;
    try (Stream<Path> files = Files.list(dir)) {
      // The time in the name sorts them oldest first.
      backups = files.filter(Backups::isBackup).sorted().toList();
    }
    for (Path old : backups.subList(0, Math.max(0, backups.size() - retain))) {
      Files.deleteIfExists(old);
    }
    LOG.info("Backed up revision {} ({} keys, {} bytes) to {} in {} ms", summary.revision(), summary.count(),
        summary.bytes(), file, (System.nanoTime() - started) / 1_000_000);
    return summary;
  }

  private static boolean isBackup(Path p) {
    String name = p.getFileName().toString();
    return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
  }

  /** {@code checks.backup} of readiness: up after a success, failing (still ready) after a failure. */
  void report(JsonWriter json) {
    String error = lastError;
    json.beginObject("backup")
        .field("status", error != null ? "failing" : lastSuccessMillis == 0 ? "pending" : "up")
        .field("dir", dir.toAbsolutePath().toString())
        .field("lastError", error)
        .field("failures", failures)
        .field("lastSuccessAt", lastSuccessMillis == 0 ? null : Instant.ofEpochMilli(lastSuccessMillis).toString())
        .field("lastRevision", lastRevision)
        .field("lastBytes", lastBytes)
        .field("lastFile", lastFile)
        .endObject();
  }

  public void cancel() {
    vertx.cancelTimer(timer);
  }
}
