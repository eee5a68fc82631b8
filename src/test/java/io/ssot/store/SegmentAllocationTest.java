package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Change-log segments have every block allocated before they are mapped, whatever left them behind. */
class SegmentAllocationTest {

  private static final long SEGMENT = 256 << 10;

  @TempDir
  Path dir;

  /** Bytes the file system has allocated for {@code file} ({@code du}: st_blocks). */
  private static long allocated(Path file) throws Exception {
    Process p = new ProcessBuilder("du", "--block-size=1", file.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    return Long.parseLong(out.split("\\s+")[0]);
  }

  @Test
  void aNewSegmentIsAllocatedInFull() throws Exception {
    try (ChangeLog log = ChangeLog.open(dir, SEGMENT, 1)) {
      log.append(ChangeLogTest.commit(1, "k", "1"));
    }
    Path first = LogSegment.fileFor(dir, 1);
    assertEquals(SEGMENT, Files.size(first));
    assertTrue(allocated(first) >= SEGMENT, "allocated " + allocated(first) + " of " + SEGMENT);
  }

  @Test
  void aSparseSegmentOfAnOlderVersionIsAllocatedWhenOpened() throws Exception {
    Path first = LogSegment.fileFor(dir, 1);
    try (RandomAccessFile raf = new RandomAccessFile(first.toFile(), "rw")) {
      raf.setLength(SEGMENT); // as a plain map() past the end left it: a hole
    }
    assertTrue(allocated(first) < SEGMENT, "the file starts sparse");
    try (ChangeLog log = ChangeLog.open(dir, SEGMENT, 1)) {
      assertTrue(allocated(first) >= SEGMENT, "allocated " + allocated(first) + " of " + SEGMENT);
      log.append(ChangeLogTest.commit(1, "k", "1"));
      assertEquals(1, log.lastRevision());
    }
  }
}
