package io.ssot.store;

import io.ssot.store.StoreException.InsufficientStorage;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The free space of the disk holding the data directory, and whether writes may use it. Writes
 * are refused ({@link InsufficientStorage}, 507) while the free space is below the reserve
 * ({@code store.minFreeDiskBytes}), and after a map file could not be allocated until the
 * allocation succeeds. Reads, watches and health never depend on it.
 *
 * <p>The reserve is a soft bound: it keeps room for the next change-log segment and for the
 * Chronicle Map's next tier, so that writes stop with a clear answer before an allocation
 * fails. What makes a full disk safe is that every file is allocated before it is written
 * ({@link FileAllocation}); the reserve only makes running out rare.
 *
 * <p>One daemon thread asks the file system for its free space every {@link #REFRESH_MILLIS},
 * so no write waits for a {@code statvfs}.
 */
public final class DiskSpace implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(DiskSpace.class);

  static final long REFRESH_MILLIS = 200;

  private final FileStore fileStore;
  private final long reserveBytes;
  private final List<Path> mapFiles;
  private final ScheduledExecutorService refresher;
  private volatile long freeBytes;
  /** Why writes stopped after an allocation failed, or null. */
  private volatile String pendingAllocation;
  /** After a failed allocation: the free space that lets writes resume. */
  private volatile long resumeAt;
  private volatile boolean writable = true;

  /**
   * @param mapFiles files to allocate in full again after an allocation failed in them (the
   *                 Chronicle Maps, which extend their file before they allocate the extension)
   */
  DiskSpace(Path dataDir, long reserveBytes, List<Path> mapFiles) throws IOException {
    this.fileStore = Files.getFileStore(dataDir);
    this.reserveBytes = reserveBytes;
    this.mapFiles = mapFiles;
    refresh();
    this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "ssot-disk-space");
      t.setDaemon(true);
      return t;
    });
    refresher.scheduleWithFixedDelay(this::refreshQuietly, REFRESH_MILLIS, REFRESH_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Throws {@link InsufficientStorage} when writes must not use the disk now. */
  void checkWrite() {
    if (!writable) {
      String pending = pendingAllocation;
      throw new InsufficientStorage(pending != null ? pending
          : "the disk holding the data directory has " + freeBytes + " bytes free, below the reserve of "
              + reserveBytes + " bytes (store.minFreeDiskBytes); reads go on, writes resume once space is freed");
    }
  }

  /**
   * Called when a file of the store could not be allocated: writes stop until the reserve is
   * free again and the map files are allocated in full (a map extends its file before it
   * allocates the extension, and would later write into that hole without trying again).
   */
  void allocationFailed(String detail, long neededBytes) {
    // Not before the reserve and the failed allocation both fit: retrying sooner would only fail again.
    resumeAt = reserveBytes + neededBytes;
    pendingAllocation = detail + "; writes resume once space is freed";
    boolean was = writable;
    writable = false;
    if (was) {
      LOG.warn("Writes refused with 507: {}", pendingAllocation);
    }
  }

  public long freeBytes() {
    return freeBytes;
  }

  public long reserveBytes() {
    return reserveBytes;
  }

  /** Whether writes are taken now. */
  public boolean writable() {
    return writable;
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Cannot read the free space of the data directory's disk", e);
    }
  }

  void refresh() throws IOException {
    long free = fileStore.getUsableSpace();
    freeBytes = free;
    boolean enough = free >= reserveBytes;
    if (pendingAllocation != null && free >= resumeAt) {
      try {
        for (Path file : mapFiles) {
          FileAllocation.allocate(file, Files.size(file));
        }
        pendingAllocation = null;
      } catch (FileAllocation.DiskFull e) {
        resumeAt = Math.max(resumeAt, free + 1);
      }
    }
    boolean now = enough && pendingAllocation == null;
    if (now != writable) {
      boolean logged = writable || pendingAllocation == null;
      writable = now;
      if (now) {
        LOG.info("Writes resumed: {} bytes free on the data directory's disk (reserve {})", free, reserveBytes);
      } else if (logged) {
        LOG.warn("Writes refused with 507: {} bytes free on the data directory's disk, below the reserve of {} "
            + "bytes (store.minFreeDiskBytes)", free, reserveBytes);
      }
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
  }
}
