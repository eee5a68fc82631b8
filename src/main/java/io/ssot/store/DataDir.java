package io.ssot.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory and the store opened from it.
 *
 * <pre>
 * &lt;data&gt;/LOCK            held (flock) while a process has the store open
 * &lt;data&gt;/clean-shutdown  present only between a clean close and the next open
 * &lt;data&gt;/kv.dat          Chronicle Map: key to current entry
 * &lt;data&gt;/tombstones.dat  Chronicle Map: deleted key to its delete marker (within retention)
 * &lt;data&gt;/changelog/      change-log segments (see {@link ChangeLog})
 * </pre>
 * After an unclean stop (no marker) both maps are opened in recovery mode and the change log is
 * replayed over them; every commit that reached the log is back in the map afterwards.
 */
public final class DataDir implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DataDir.class);

  /**
   * Sizing and retention of what lives in the data directory.
   *
   * @param minFreeDiskBytes writes are refused (507) while the disk has less free space
   */
  public record Options(long maxKeys, int averageValueBytes, long segmentBytes, long minFreeDiskBytes) {

    /** Without a free-space reserve (only an allocation that fails refuses a write). */
    public Options(long maxKeys, int averageValueBytes, long segmentBytes) {
      this(maxKeys, averageValueBytes, segmentBytes, 0);
    }
  }

  private final Path dir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final MvccStore store;
  private final DiskSpace disk;

  private DataDir(Path dir, FileChannel lockChannel, FileLock lock, MvccStore store, DiskSpace disk) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.store = store;
    this.disk = disk;
  }

  /**
   * True when {@code dir} holds no store to open: no map and no change-log record, or only the
   * remains of an interrupted {@link StoreLoader bootstrap}.
   */
  public static boolean isEmpty(Path dir) throws IOException {
    return Files.exists(dir.resolve(StoreLoader.MARKER))
        || (!Files.exists(dir.resolve("kv.dat")) && ChangeLog.isEmpty(dir.resolve("changelog")));
  }

  /** Takes the directory's lock; closing the lock's channel releases it. */
  static FileLock lock(Path dir) throws IOException {
    Files.createDirectories(dir);
    FileChannel lockChannel = FileChannel.open(dir.resolve("LOCK"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE);
    FileLock lock = lockChannel.tryLock();
    if (lock == null) {
      lockChannel.close();
      throw new IOException("the data directory " + dir.toAbsolutePath() + " is in use by another process");
    }
    return lock;
  }

  public static DataDir open(Path dir, Options options) throws IOException {
    FileLock lock = lock(dir);
    FileChannel lockChannel = lock.channel();
    try {
      if (Files.exists(dir.resolve(StoreLoader.MARKER))) {
        throw new IOException("a bootstrap of " + dir.toAbsolutePath() + " from PostgreSQL was interrupted; "
            + "start again with the same pg.url to redo it, or empty the directory");
      }
      Path marker = dir.resolve("clean-shutdown");
      long started = System.nanoTime();
      ChangeLog log = ChangeLog.open(dir.resolve("changelog"), options.segmentBytes(), 1);
      boolean mapMissing = !Files.exists(dir.resolve("kv.dat"));
      if (mapMissing && log.lastRevision() > 0 && log.firstRevision() > 1) {
        throw new IOException(dir.resolve("kv.dat") + " is missing and the change log no longer reaches "
            + "revision 1, so the current state cannot be rebuilt; restore the file or start from an empty "
            + "data directory");
      }
      // A missing map with a change log from revision 1 is rebuilt by replaying the log.
      boolean fresh = mapMissing && log.lastRevision() == 0;
      boolean clean = fresh || (!mapMissing && Files.exists(marker));
      Files.deleteIfExists(marker);
      long logOpened = System.nanoTime();
      KvStore kv = ChronicleKvStore.open(dir.resolve("kv.dat").toFile(), options.maxKeys(),
          options.averageValueBytes(), !clean);
      KvStore tombstones = ChronicleKvStore.open(dir.resolve("tombstones.dat").toFile(),
          Math.max(1024, options.maxKeys() / 8), 64, !clean);
      long mapsOpened = System.nanoTime();
      MvccStore store = new MvccStore(kv, tombstones, log, !clean, System::currentTimeMillis);
      if (store.reconciled() > 0) {
        LOG.warn("{} keys held changes newer than the change log's last revision {}; they were put back to their "
            + "state in the log", store.reconciled(), store.revision());
      }
      DiskSpace disk = guard(dir, options.minFreeDiskBytes(), store);
      long done = System.nanoTime();
      LOG.info("Opened the store in {} at revision {} with {} keys in {} ms (change log {} ms, maps {} ms, "
              + "replay {} ms){}", dir.toAbsolutePath(), store.revision(), store.size(), (done - started) / 1_000_000,
          (logOpened - started) / 1_000_000, (mapsOpened - logOpened) / 1_000_000, (done - mapsOpened) / 1_000_000,
          clean ? "" : " (recovered after an unclean stop)");
      return new DataDir(dir, lockChannel, lock, store, disk);
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockChannel.close();
      throw e;
    }
  }

  /**
   * Watches the disk's free space for the store's writes. The map files are allocated in full
   * first: a map that failed to grow in an earlier run left its file extended but unallocated,
   * and would later write into that hole. If there is no room for it, the store opens with
   * writes refused until there is.
   */
  private static DiskSpace guard(Path dir, long minFreeDiskBytes, MvccStore store) throws IOException {
    List<Path> maps = List.of(dir.resolve("kv.dat"), dir.resolve("tombstones.dat"));
    DiskSpace disk = new DiskSpace(dir, minFreeDiskBytes, maps);
    try {
      for (Path map : maps) {
        FileAllocation.allocate(map, Files.size(map));
      }
    } catch (FileAllocation.DiskFull e) {
      disk.allocationFailed("the disk is full: " + e.getMessage(), e.bytes);
    }
    store.guard(disk);
    return disk;
  }

  public MvccStore store() {
    return store;
  }

  /** The free space of the data directory's disk and whether writes are taken. */
  public DiskSpace diskSpace() {
    return disk;
  }

  /**
   * Flushes and closes the store, then leaves the clean-shutdown marker, unless the store
   * could not take back a failed commit (the next open must reconcile) or the disk has no room
   * for the marker (the next open recovers, which is slower but as correct).
   */
  @Override
  public void close() throws IOException {
    disk.close();
    store.close();
    if (store.consistent()) {
      try {
        Files.writeString(dir.resolve("clean-shutdown"), Long.toString(store.revision()));
      } catch (IOException e) {
        LOG.warn("Cannot write the clean-shutdown marker ({}); the next start recovers the store", e.toString());
      }
    }
    lock.release();
    lockChannel.close();
  }
}
