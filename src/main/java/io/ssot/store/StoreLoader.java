package io.ssot.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Builds a store in an empty data directory from a copy kept elsewhere (PostgreSQL): the change
 * log from a first revision on, the current entries, and the tombstones those commits leave
 * (keys whose last retained change is a delete). Afterwards {@link DataDir#open} opens it as if
 * it had been closed cleanly at the last revision loaded.
 *
 * <p>A {@value #MARKER} file exists from before the first file is written until the store is
 * complete, so an interrupted load is redone (the directory still counts as
 * {@link DataDir#isEmpty empty}) and never opened as a store.
 */
public final class StoreLoader implements AutoCloseable {

  static final String MARKER = "bootstrapping";

  private final Path dir;
  private final FileLock lock;
  private final ChangeLog log;
  private final KvStore kv;
  private final KvStore tombstones;
  private long highestEntryRevision;
  private boolean finished;

  private StoreLoader(Path dir, FileLock lock, ChangeLog log, KvStore kv, KvStore tombstones) {
    this.dir = dir;
    this.lock = lock;
    this.log = log;
    this.kv = kv;
    this.tombstones = tombstones;
  }

  /**
   * Gives up the closed store in {@code dir} so that it is built anew: from now on the directory
   * counts as {@link DataDir#isEmpty empty} (also after a crash) and {@link #create} replaces the
   * store's files. Files that are not the store's (tokens, an operator's files) stay.
   */
  public static void discard(Path dir) throws IOException {
    FileLock lock = DataDir.lock(dir);
    try {
      Files.writeString(dir.resolve(MARKER), "0");
      try (FileChannel marker = FileChannel.open(dir.resolve(MARKER), StandardOpenOption.WRITE)) {
        marker.force(true);
      }
    } finally {
      lock.channel().close();
    }
  }

  /** Starts a load into {@code dir}, which must be {@link DataDir#isEmpty empty}; the log starts at {@code firstRevision}. */
  public static StoreLoader create(Path dir, DataDir.Options options, long firstRevision) throws IOException {
    FileLock lock = DataDir.lock(dir);
    try {
      if (!DataDir.isEmpty(dir)) {
        throw new IOException("the data directory " + dir.toAbsolutePath() + " already holds a store");
      }
      Files.writeString(dir.resolve(MARKER), Long.toString(firstRevision));
      // Only empty segments or the remains of an interrupted load are removed here.
      Path changelog = dir.resolve("changelog");
      if (Files.isDirectory(changelog)) {
        List<Path> segments;
        try (Stream<Path> list = Files.list(changelog)) {
          segments = list.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
        }
        for (Path segment : segments) {
          Files.delete(segment);
        }
      }
      Files.deleteIfExists(dir.resolve("kv.dat"));
      Files.deleteIfExists(dir.resolve("tombstones.dat"));
      Files.deleteIfExists(dir.resolve("clean-shutdown"));
      ChangeLog log = ChangeLog.open(changelog, options.segmentBytes(), firstRevision);
      KvStore kv = ChronicleKvStore.open(dir.resolve("kv.dat").toFile(), options.maxKeys(),
          options.averageValueBytes(), false);
      KvStore tombstones = ChronicleKvStore.open(dir.resolve("tombstones.dat").toFile(),
          Math.max(1024, options.maxKeys() / 8), 64, false);
      return new StoreLoader(dir, lock, log, kv, tombstones);
    } catch (IOException | RuntimeException e) {
      lock.channel().close();
      throw e;
    }
  }

  /** Appends the next commit (revisions consecutive from the first) and keeps the tombstones it implies. */
  public void append(Commit commit) {
    log.append(commit);
    for (Entry change : commit.changes()) {
      if (change.isDelete()) {
        tombstones.put(change.key(), EntryCodec.encodeStored(change));
      } else {
        tombstones.remove(change.key());
      }
    }
  }

  /** Puts a current (live) entry into the map. */
  public void put(Entry current) {
    if (current.isDelete()) {
      throw new IllegalArgumentException("a current entry needs a value: " + current.key());
    }
    kv.put(current.key(), EntryCodec.encodeStored(current));
    highestEntryRevision = Math.max(highestEntryRevision, current.revision());
  }

  /** Forces and closes everything, and leaves the directory as a clean close would at the last revision appended. */
  public void finish() throws IOException {
    if (highestEntryRevision > log.lastRevision()) {
      throw new IOException("an entry has revision " + highestEntryRevision + " but the change log ends at "
          + log.lastRevision());
    }
    kv.force();
    tombstones.force();
    closeFiles();
    Files.writeString(dir.resolve("clean-shutdown"), Long.toString(log.lastRevision()));
    Files.delete(dir.resolve(MARKER));
    finished = true;
    lock.channel().close();
  }

  private void closeFiles() {
    log.close();
    kv.close();
    tombstones.close();
  }

  /** Without {@link #finish()}: closes the files and leaves the marker, so the next start loads again. */
  @Override
  public void close() throws IOException {
    if (!finished) {
      finished = true;
      closeFiles();
      lock.channel().close();
    }
  }
}
