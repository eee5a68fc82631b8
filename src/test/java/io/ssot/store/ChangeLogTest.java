package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The change log on disk: segment rolls, reopen, torn tails, corruption and dropping. */
class ChangeLogTest {

  /** Small segments, so a few hundred records span many files. */
  private static final long SEGMENT = 4096;

  @TempDir
  Path dir;

  static Commit commit(long revision, String key, String json) {
    byte[] value = json == null ? null : json.getBytes(StandardCharsets.UTF_8);
    return new Commit(revision, 1_000L + revision, List.of(
        new Entry(key, value, revision, 1, revision, revision - 1, 1_000L + revision, "tester")));
  }

  static String valueOf(long revision) {
    return "{\"n\":" + revision + ",\"pad\":\"" + "x".repeat((int) (revision % 97)) + "\"}";
  }

  private static void appendRange(ChangeLog log, long from, long to) {
    for (long r = from; r <= to; r++) {
      log.append(commit(r, "k/" + (r % 7), valueOf(r)));
    }
  }

  private static void assertRecords(ChangeLog log, long from, long to) {
    for (long r = from; r <= to; r++) {
      Commit c = log.read(r);
      assertNotNull(c, "revision " + r);
      assertEquals(r, c.revision());
      assertEquals(1_000L + r, c.timestamp());
      assertEquals(1, c.changes().size());
      Entry e = c.changes().get(0);
      assertEquals("k/" + (r % 7), e.key());
      assertEquals(r, e.revision());
      assertEquals(r - 1, e.prevRevision());
      assertEquals("tester", e.updatedBy());
      assertArrayEquals(valueOf(r).getBytes(StandardCharsets.UTF_8), e.value(), "value of revision " + r);
    }
  }

  private List<Path> segmentFiles() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(".log")).sorted().toList();
    }
  }

  /** The byte offset just after the last complete record of a segment file. */
  private static int endOfRecords(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    int pos = 0;
    while (pos + 8 <= b.capacity() && b.getInt(pos) != 0) {
      pos += 8 + b.getInt(pos);
    }
    return pos;
  }

  private static void writeAt(Path file, long position, byte[] bytes) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      assertTrue(position + bytes.length <= ch.size(), "the damage stays inside the segment file");
      ch.write(ByteBuffer.wrap(bytes), position);
    }
  }

  @Test
  void appendsAndReadsAcrossSegmentRolls() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(0, log.lastRevision());
    assertEquals(1, log.firstRevision());
    assertNull(log.read(1));
    appendRange(log, 1, 400);
    assertEquals(400, log.lastRevision());
    assertTrue(segmentFiles().size() > 5, "records span several segments: " + segmentFiles());
    assertRecords(log, 1, 400);
    assertNull(log.read(401));
    assertNull(log.read(0));
    List<Long> seen = new ArrayList<>();
    log.forEach(390, c -> seen.add(c.revision()));
    assertEquals(List.of(390L, 391L, 392L, 393L, 394L, 395L, 396L, 397L, 398L, 399L, 400L), seen);
    assertThrows(IllegalStateException.class, () -> log.append(commit(402, "k", "1")), "no gap allowed");
    assertThrows(IllegalStateException.class, () -> log.append(commit(400, "k", "1")), "no rewrite allowed");
    log.close();
  }

  @Test
  void reopenGivesTheSameRecordsAndAppendsContinue() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 300);
    log.close();
    List<Path> files = segmentFiles();

    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(300, reopened.lastRevision());
    assertEquals(1, reopened.firstRevision());
    assertRecords(reopened, 1, 300);
    assertEquals(files, segmentFiles(), "a reopen creates no segment");
    appendRange(reopened, 301, 350);
    reopened.close();

    ChangeLog again = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(350, again.lastRevision());
    assertRecords(again, 1, 350);
    again.close();
  }

  @Test
  void aTornRecordAtTheEndIsCutOffAndAppendsContinue() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 100);
    log.close();
    Path last = segmentFiles().get(segmentFiles().size() - 1);
    int end = endOfRecords(last);
    // A record cut short by a kill: a length and checksum, then only part of the payload.
    byte[] record = CommitCodec.encode(commit(101, "k/torn", valueOf(101)));
    ByteBuffer torn = ByteBuffer.allocate(8 + record.length / 2);
    torn.putInt(record.length).putInt(12345).put(record, 0, record.length / 2);
    writeAt(last, end, torn.array());

    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(100, reopened.lastRevision(), "the torn record is not a record");
    assertRecords(reopened, 1, 100);
    assertNull(reopened.read(101));
    appendRange(reopened, 101, 160);
    assertRecords(reopened, 1, 160);
    reopened.close();

    ChangeLog again = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(160, again.lastRevision());
    assertRecords(again, 1, 160);
    again.close();
  }

  @Test
  void garbageAfterTheLastRecordIsCutOff() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 50);
    log.close();
    Path last = segmentFiles().get(segmentFiles().size() - 1);
    int end = endOfRecords(last);
    byte[] garbage = new byte[200];
    new java.util.Random(7).nextBytes(garbage);
    garbage[0] = 0x00; // a small positive length, so the scan reads the "record" and rejects its checksum
    garbage[1] = 0x00;
    garbage[2] = 0x00;
    garbage[3] = 0x40;
    writeAt(last, end, garbage);

    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(50, reopened.lastRevision());
    assertRecords(reopened, 1, 50);
    // The garbage is gone, so a short record followed by a kill cannot meet it again.
    byte[] after = Files.readAllBytes(last);
    for (int i = end; i < end + garbage.length && i < after.length; i++) {
      assertEquals(0, after[i], "byte " + i + " after the last record is zeroed");
    }
    appendRange(reopened, 51, 60);
    reopened.close();
    ChangeLog again = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(60, again.lastRevision());
    assertRecords(again, 1, 60);
    again.close();
  }

  @Test
  void aRecordOfTheWrongRevisionAtTheEndIsNotTaken() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 20);
    log.close();
    Path last = segmentFiles().get(segmentFiles().size() - 1);
    // A well-formed record (good checksum) of a revision that does not follow: stale bytes.
    byte[] payload = CommitCodec.encode(commit(7, "k/stale", "1"));
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(payload);
    writeAt(last, endOfRecords(last), ByteBuffer.allocate(8 + payload.length)
        .putInt(payload.length).putInt((int) crc.getValue()).put(payload).array());
    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(20, reopened.lastRevision());
    assertRecords(reopened, 1, 20);
    reopened.close();
  }

  @Test
  void corruptionInAnEarlierSegmentFailsTheOpen() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 200);
    log.close();
    List<Path> files = segmentFiles();
    assertTrue(files.size() >= 3);
    Path second = files.get(1);
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(second));
    int thirdRecord = 8 + b.getInt(0);
    thirdRecord += 8 + b.getInt(thirdRecord);
    // Flip a payload byte of the third record: its checksum no longer matches.
    int victim = thirdRecord + 8 + 20;
    writeAt(second, victim, new byte[] {(byte) (b.get(victim) ^ 0x5A)});

    IOException e = assertThrows(IOException.class, () -> ChangeLog.open(dir, SEGMENT, 1));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    assertTrue(e.getMessage().contains(second.getFileName().toString()), "names the file: " + e.getMessage());
    long firstOfSecond = Long.parseLong(second.getFileName().toString().replace(".log", ""));
    assertTrue(e.getMessage().contains("after revision " + (firstOfSecond + 1)),
        "says where the damage starts: " + e.getMessage());
    assertEquals(files, segmentFiles(), "a failed open changes no file");
  }

  @Test
  void aMissingSegmentFailsTheOpen() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 200);
    log.close();
    Path middle = segmentFiles().get(2);
    Files.delete(middle);
    IOException e = assertThrows(IOException.class, () -> ChangeLog.open(dir, SEGMENT, 1));
    assertTrue(e.getMessage().contains("gap"), e.getMessage());
  }

  @Test
  void dropBeforeKeepsTheActiveSegment() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 300);
    int before = segmentFiles().size();
    long first = log.dropBefore(150);
    assertTrue(first > 1 && first <= 150, "dropped whole segments below 150, kept the one holding it: " + first);
    assertNull(log.read(first - 1), "dropped revisions are gone");
    assertRecords(log, first, 300);
    assertTrue(segmentFiles().size() < before);
    assertEquals(first, log.firstRevision());

    long all = log.dropBefore(Long.MAX_VALUE);
    assertEquals(1, segmentFiles().size(), "only the active segment is left");
    assertEquals(all, log.firstRevision());
    assertTrue(all <= 300);
    assertRecords(log, all, 300);
    appendRange(log, 301, 320);
    assertRecords(log, all, 320);
    log.close();

    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(all, reopened.firstRevision(), "the compact revision survives a reopen");
    assertEquals(320, reopened.lastRevision());
    assertRecords(reopened, all, 320);
    reopened.close();
  }

  @Test
  void aFirstRecordLargerThanASegment() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    String big = "\"" + "b".repeat((int) SEGMENT * 3) + "\"";
    log.append(commit(1, "k/big", big));
    log.append(commit(2, "k/small", "2"));
    assertArrayEquals(big.getBytes(StandardCharsets.UTF_8), log.read(1).changes().get(0).value());
    log.close();
    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(2, reopened.lastRevision());
    assertArrayEquals(big.getBytes(StandardCharsets.UTF_8), reopened.read(1).changes().get(0).value());
    reopened.close();
  }

  @Test
  void aSegmentFileLeftEmptyByAKillDuringARoll() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 100);
    log.close();
    // A kill between creating the next segment file and sizing it leaves it with no bytes.
    Files.createFile(LogSegment.fileFor(dir, 101));

    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(100, reopened.lastRevision());
    appendRange(reopened, 101, 150);
    assertRecords(reopened, 1, 150);
    reopened.close();
    ChangeLog again = ChangeLog.open(dir, SEGMENT, 1);
    assertEquals(150, again.lastRevision());
    assertRecords(again, 1, 150);
    again.close();
  }

  @Test
  void forceAndCloseKeepEveryRecord() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    appendRange(log, 1, 120);
    log.force();
    appendRange(log, 121, 130);
    log.force();
    log.force();
    log.close();
    ChangeLog reopened = ChangeLog.open(dir, SEGMENT, 1);
    assertRecords(reopened, 1, 130);
    reopened.close();
  }

  @Test
  void deletesAndTransactionsRoundTrip() throws IOException {
    ChangeLog log = ChangeLog.open(dir, SEGMENT, 1);
    Entry put = new Entry("a/b", "{\"x\":[1,2]}".getBytes(StandardCharsets.UTF_8), 1, 1, 1, 0, 5, "alice");
    Entry del = new Entry("c", null, 1, 1, 3, 0, 5, "alice");
    log.append(new Commit(1, 5, List.of(put, del)));
    log.close();
    Commit c = ChangeLog.open(dir, SEGMENT, 1).read(1);
    assertEquals(2, c.changes().size());
    assertEquals("a/b", c.changes().get(0).key());
    assertArrayEquals(put.value(), c.changes().get(0).value());
    assertTrue(c.changes().get(1).isDelete());
    assertEquals(3, c.changes().get(1).version());
  }
}
