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

  @Test
  void aSparseSealedSegmentIsAllocatedWhenOpenedAndStillRead() throws Exception {
    Path source = Files.createDirectory(dir.resolve("source"));
    Path copy = Files.createDirectory(dir.resolve("copy"));
    try (ChangeLog log = ChangeLog.open(source, SEGMENT, 1)) {
      log.append(ChangeLogTest.commit(1, "k1", "1"));
      // Too large for what is left of the first segment: the log rolls to a second one.
      log.append(ChangeLogTest.commit(2, "k2", "\"" + "x".repeat((int) SEGMENT) + "\""));
    }
    // The sealed first segment as an older version left it: only its written blocks, a hole after.
    Path sealed = LogSegment.fileFor(copy, 1);
    writeSparse(LogSegment.fileFor(source, 1), sealed);
    Files.copy(LogSegment.fileFor(source, 2), LogSegment.fileFor(copy, 2));
    assertTrue(allocated(sealed) < SEGMENT, "the sealed segment starts sparse");
    try (ChangeLog log = ChangeLog.open(copy, SEGMENT, 1)) {
      assertTrue(allocated(sealed) >= SEGMENT, "allocated " + allocated(sealed) + " of " + SEGMENT);
      assertEquals(2, log.lastRevision());
      assertEquals("k1", log.read(1).changes().get(0).key());
    }
  }

  /** Copies {@code from} to {@code to} writing only its blocks that are not all zeros. */
  private static void writeSparse(Path from, Path to) throws Exception {
    byte[] bytes = Files.readAllBytes(from);
    try (RandomAccessFile raf = new RandomAccessFile(to.toFile(), "rw")) {
      raf.setLength(bytes.length);
      for (int block = 0; block < bytes.length; block += 4096) {
        int end = Math.min(bytes.length, block + 4096);
        for (int i = block; i < end; i++) {
          if (bytes[i] != 0) {
            raf.seek(block);
            raf.write(bytes, block, end - block);
            break;
          }
        }
      }
    }
  }
}
