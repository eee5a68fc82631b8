package io.ssot.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The change log: every commit, in revision order, in memory-mapped segment files under
 * {@code <data>/changelog/}. It is the store's write-ahead log (a write is appended here before
 * the key-value map changes, so recovery replays it), the source that watches and history read
 * from, and the outbox that a write-behind drains. Old segments are dropped by
 * {@link #dropBefore}; the first revision still held is the compact revision.
 *
 * <p>A killed process loses nothing appended (the mapped pages belong to the OS); a machine
 * crash loses what was not {@link #force() forced}. Appends come from the store's single writer;
 * reads from any thread.
 */
public final class ChangeLog implements AutoCloseable {

  private final Path dir;
  private final long segmentBytes;
  private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
  private volatile LogSegment active;
  private volatile long lastRevision;

  private ChangeLog(Path dir, long segmentBytes) {
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  /**
   * Opens the log in {@code dir}, creating it empty (next revision {@code firstRevision}) if it
   * holds no segment. A torn append at the end of the last segment is cut off; a broken record
   * anywhere else is corruption and fails the open.
   */
  public static ChangeLog open(Path dir, long segmentBytes, long firstRevision) throws IOException {
    Files.createDirectories(dir);
    ChangeLog log = new ChangeLog(dir, segmentBytes);
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    }
    long expected = -1;
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      long first = Long.parseLong(file.getFileName().toString().replace(".log", ""));
      if (expected != -1 && first != expected) {
        throw new IOException("change log has a gap: expected a segment starting at revision "
            + expected + " but found " + file);
      }
      boolean last = i == files.size() - 1;
      LogSegment segment;
      try {
        segment = LogSegment.open(file, first, last);
      } catch (FileAllocation.DiskFull e) {
        throw new IOException("the disk is full: the change-log segment " + file + " has unallocated blocks "
            + "(written by an older version) and there is no room to allocate them; free some space", e);
      }
      if (!segment.scan()) {
        if (!last) {
          throw new IOException("change log segment " + file + " is corrupt after revision "
              + segment.lastRevision());
        }
        segment.zeroTail();
      }
      log.segments.put(first, segment);
      expected = segment.lastRevision() + 1;
    }
    if (log.segments.isEmpty()) {
      log.segments.put(firstRevision, LogSegment.create(dir, firstRevision, segmentBytes));
      syncDirectory(dir);
    }
    log.active = log.segments.lastEntry().getValue();
    log.lastRevision = log.active.lastRevision();
    return log;
  }

  /** True when {@code dir} holds no record: no segment, or only segments that end where they start. */
  static boolean isEmpty(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return true;
    }
    List<Path> files;
    try (Stream<Path> list = Files.list(dir)) {
      files = list.filter(p -> p.getFileName().toString().endsWith(".log")).toList();
    }
    for (Path file : files) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer length = ByteBuffer.allocate(Integer.BYTES);
        if (ch.read(length, 0) == Integer.BYTES && length.getInt(0) != 0) {
          return false;
        }
      }
    }
    return true;
  }

  /** Appends the record of {@code commit}, whose revision must be {@link #lastRevision()} + 1. */
  public void append(Commit commit) {
    if (commit.revision() != lastRevision + 1) {
      throw new IllegalStateException("append of revision " + commit.revision() + " after " + lastRevision);
    }
    byte[] payload = CommitCodec.encode(commit);
    LogSegment segment = active;
    if (!segment.fits(payload.length)) {
      segment = roll(commit.revision(), payload.length);
    }
    segment.append(payload);
    lastRevision = commit.revision();
  }

  /**
   * Starts the log over so that its next revision is {@code firstRevision}: only while it holds
   * no record (a store never written, into which a snapshot is restored). The old, empty segment
   * goes first: a crash in between leaves no segment, which opens as a log that is empty again.
   */
  void restartAt(long firstRevision) throws IOException {
    if (lastRevision != 0 || segments.size() != 1 || active.count() != 0) {
      throw new IllegalStateException("the change log holds records: it cannot start over");
    }
    LogSegment empty = active;
    empty.delete();
    segments.clear();
    LogSegment next = LogSegment.create(dir, firstRevision, segmentBytes);
    syncDirectory(dir);
    segments.put(firstRevision, next);
    active = next;
    lastRevision = firstRevision - 1;
  }

  /**
   * Takes back the last commit appended, whose revision no one was told of (the map could not
   * take it): afterwards the log ends one revision earlier, as if it had never been appended.
   */
  void removeLast() {
    active.removeLast();
    lastRevision--;
  }

  private LogSegment roll(long firstRevision, int payloadLength) {
    try {
      long capacity = Math.max(segmentBytes, LogSegment.RECORD_HEADER + (long) payloadLength + Integer.BYTES);
      // An empty active segment too small for the record (a fresh log with small segments, or
      // a file a kill left unsized mid-roll) grows in place: a successor would have its name.
      LogSegment next = active.count() == 0
          ? active.grow(capacity)
          : LogSegment.create(dir, firstRevision, capacity);
      syncDirectory(dir);
      segments.put(firstRevision, next);
      active = next;
      return next;
    } catch (FileAllocation.DiskFull e) {
      throw new StoreException.InsufficientStorage("the disk is full: " + e.getMessage(), e.bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a change-log segment", e);
    }
  }

  /** The commit of {@code revision}, or {@code null} if it is compacted away or not written yet. */
  public Commit read(long revision) {
    if (revision > lastRevision) {
      return null;
    }
    Map.Entry<Long, LogSegment> floor = segments.floorEntry(revision);
    ByteBuffer payload = floor == null ? null : floor.getValue().payload(revision);
    return payload == null ? null : CommitCodec.decode(payload);
  }

  /** Calls {@code action} with every commit from {@code fromRevision} on, in order. */
  public void forEach(long fromRevision, Consumer<Commit> action) {
    for (long r = Math.max(fromRevision, firstRevision()); r <= lastRevision; r++) {
      action.accept(read(r));
    }
  }

  public long lastRevision() {
    return lastRevision;
  }

  /** The oldest revision still held; every revision below it is compacted. */
  public long firstRevision() {
    return segments.firstKey();
  }

  /** Forces every appended record to disk (for {@code durability=sync}). */
  public void force() {
    for (LogSegment segment : segments.values()) {
      segment.force();
    }
    // Records of older segments were forced when their segment was still active or by an
    // earlier call; forcing them again is a no-op.
  }

  /**
   * Drops whole segments that end below {@code bound} (never the active one).
   *
   * @return the first revision still held afterwards
   */
  public long dropBefore(long bound) throws IOException {
    List<LogSegment> dropped = new ArrayList<>();
    for (LogSegment segment : segments.values()) {
      if (segment == active || segment.lastRevision() >= bound) {
        break;
      }
      dropped.add(segment);
    }
    for (LogSegment segment : dropped) {
      segments.remove(segment.firstRevision);
      segment.delete();
    }
    return firstRevision();
  }

  /** The first revision of the oldest segment holding a commit made at or after {@code timestamp}. */
  public long oldestRevisionNewerThan(long timestamp) {
    for (LogSegment segment : segments.values()) {
      if (segment.lastTimestamp() >= timestamp || segment == active) {
        return segment.firstRevision;
      }
    }
    return firstRevision();
  }

  @Override
  public void close() {
    force();
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }
}
