package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store on a real full disk (a small tmpfs): when the key-value map cannot grow, the write
 * is refused with {@link StoreException.InsufficientStorage}, its revision is taken back from
 * the change log and never seen; once space is freed, writes resume at that same revision, and
 * a reopen finds exactly the acknowledged writes.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FullDiskStoreTest {

  /** A small map (sized for 1,000 entries of ~64 bytes) that must grow long before the change-log segment fills. */
  private static final DataDir.Options OPTIONS = new DataDir.Options(1000, 64, 4 << 20, 0);

  @TempDir
  Path work;

  @Test
  void aMapThatCannotGrowRefusesTheWriteAndTakesItsRevisionBack() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
    Path mount = work.resolve("disk");
    Files.createDirectories(mount);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", mount.toString())
        .redirectErrorStream(true).start();
    assumeTrue(p.waitFor() == 0, "mount -t tmpfs is not permitted here");
    try {
      Path data = mount.resolve("data");
      long acknowledged;
      String refusedKey;
      try (DataDir dir = DataDir.open(data, OPTIONS)) {
        MvccStore store = dir.store();
        // Leave less free space than the map's next tier needs.
        fill(mount.resolve("filler"), Files.getFileStore(mount).getUsableSpace() - (96 << 10));
        byte[] value = ("\"" + "v".repeat(300) + "\"").getBytes(StandardCharsets.UTF_8);
        StoreException.InsufficientStorage refused = null;
        int i = 0;
        for (; i < 20_000 && refused == null; i++) {
          long before = store.revision();
          try {
            assertEquals(before + 1, store.put("k/" + i, value, Precondition.NONE, "t").entry().revision());
          } catch (StoreException.InsufficientStorage e) {
            refused = e;
            assertEquals(before, store.revision(), "the refused write's revision is not handed out");
            assertNull(store.commitAt(before + 1), "nor left in the change log");
          }
        }
        assertNotNull(refused, "the map ran out of room");
        assertTrue(refused.getMessage().contains("map file could not grow"), refused.getMessage());
        refusedKey = "k/" + (i - 1);
        assertNull(store.get(refusedKey), "the refused write left nothing in the map");
        assertTrue(i > 100, "writes were taken until the map had to grow: " + i);
        acknowledged = store.revision();
        assertEquals(false, dir.diskSpace().writable());
        assertThrows(StoreException.InsufficientStorage.class,
            () -> store.put("k/other", value, Precondition.NONE, "t"), "writes stay refused while the disk is full");

        Files.delete(mount.resolve("filler"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!dir.diskSpace().writable() && System.nanoTime() < deadline) {
          Thread.sleep(50);
        }
        assertTrue(dir.diskSpace().writable(), "writes resume once space is freed");
        assertEquals(acknowledged + 1, store.put(refusedKey, value, Precondition.NONE, "t").entry().revision(),
            "the next write takes the revision that was taken back");
        acknowledged++;
      }
      try (DataDir reopened = DataDir.open(data, OPTIONS)) {
        assertEquals(acknowledged, reopened.store().revision());
        assertEquals(acknowledged, reopened.store().get(refusedKey).revision());
        assertEquals(acknowledged, reopened.store().size());
      }
    } finally {
      Process u = new ProcessBuilder("umount", mount.toString()).redirectErrorStream(true).start();
      if (u.waitFor() != 0) {
        new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
      }
    }
  }

  /** Writes {@code bytes} of zeros (allocated, not sparse). */
  private static void fill(Path file, long bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
      for (long written = 0; written < bytes; ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - written));
        written += ch.write(zeros);
      }
    }
  }
}
