package io.ssot.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * One memory-mapped file of the change log holding consecutive revisions from
 * {@link #firstRevision}. Records are {@code i32 length | i32 crc32c(payload) | payload}; a zero
 * length marks the end. Appends are confined to the store's writer; readers on any thread see
 * a record once {@link #count} covers it.
 *
 * <p>Every byte of a segment that is written is allocated on disk ({@link FileAllocation})
 * before it is mapped, so an append never touches a hole: on a full disk, creating or growing a
 * segment fails with {@link FileAllocation.DiskFull} instead of a later append faulting
 * (SIGBUS). A sealed segment, only read, is checked for holes instead ({@link #open}).
 */
final class LogSegment {

  static final int RECORD_HEADER = 2 * Integer.BYTES;

  final Path file;
  final long firstRevision;
  private final MappedByteBuffer buffer;
  private volatile int[] offsets = new int[1024];
  private volatile int count;
  private volatile int writePosition;
  private int forcedPosition;

  private LogSegment(Path file, long firstRevision, MappedByteBuffer buffer) {
    this.file = file;
    this.firstRevision = firstRevision;
    this.buffer = buffer;
  }

  static Path fileFor(Path dir, long firstRevision) {
    return dir.resolve(String.format("%020d.log", firstRevision));
  }

  static LogSegment create(Path dir, long firstRevision, long capacity) throws IOException {
    if (capacity > Integer.MAX_VALUE) {
      throw new IOException("change-log segment too large: " + capacity + " bytes");
    }
    Path file = fileFor(dir, firstRevision);
    Files.createFile(file);
    try {
      FileAllocation.allocate(file, capacity);
      return map(file, firstRevision, capacity);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /**
   * Opens an existing segment. The one that will be written ({@code active}: the last) has its
   * blocks allocated first, as {@link #create} does: a segment written before they were (or left
   * short by a kill during {@link #create}) may hold holes. A sealed segment is only read; it is
   * allocated only if it is sparse, since on tmpfs even reading a hole of a mapping needs a page.
   */
  static LogSegment open(Path file, long firstRevision, boolean active) throws IOException {
    long size = Files.size(file);
    if (active) {
      FileAllocation.allocate(file, size);
    } else {
      FileAllocation.allocateIfSparse(file, size);
    }
    return map(file, firstRevision, size);
  }

  private static LogSegment map(Path file, long firstRevision, long capacity) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      return new LogSegment(file, firstRevision, ch.map(FileChannel.MapMode.READ_WRITE, 0, capacity));
    }
  }

  /**
   * This segment, which must hold no record, mapped again with {@code capacity} bytes. The file
   * only grows, so the old mapping stays valid for anyone still holding it.
   */
  LogSegment grow(long capacity) throws IOException {
    if (capacity > Integer.MAX_VALUE) {
      throw new IOException("change-log segment too large: " + capacity + " bytes");
    }
    FileAllocation.allocate(file, capacity);
    return map(file, firstRevision, capacity);
  }

  /**
   * Reads the records from the start and stops at the first one that is missing, torn (bad
   * checksum) or out of sequence: appends continue from there.
   *
   * @return true when the scan stopped at a zero length, the mark of a cleanly written end
   */
  boolean scan() {
    int pos = 0;
    CRC32C crc = new CRC32C();
    // One view whose window moves from record to record: no buffer object per record.
    ByteBuffer record = buffer.duplicate();
    boolean cleanEnd = true;
    while (pos + RECORD_HEADER <= buffer.capacity()) {
      int length = buffer.getInt(pos);
      if (length == 0) {
        break;
      }
      int start = pos + RECORD_HEADER;
      if (length < CommitCodec.MIN_PAYLOAD || length > buffer.capacity() - start) {
        cleanEnd = false;
        break;
      }
      crc.reset();
      crc.update(record.limit(start + length).position(start));
      if ((int) crc.getValue() != buffer.getInt(pos + Integer.BYTES)
          || CommitCodec.revisionAt(buffer, start) != firstRevision + count) {
        cleanEnd = false;
        break;
      }
      addOffset(pos);
      pos = start + length;
    }
    writePosition = pos;
    forcedPosition = pos;
    return cleanEnd;
  }

  /**
   * Zeroes every byte after the last good record, so that the remains of a torn append can
   * never be read as a record once new appends partly overwrite them. Only non-zero bytes are
   * written, which leaves pages that were never written clean.
   */
  void zeroTail() {
    int pos = writePosition;
    while (pos < buffer.capacity() && (pos & 7) != 0) {
      buffer.put(pos++, (byte) 0);
    }
    for (; pos + Long.BYTES <= buffer.capacity(); pos += Long.BYTES) {
      if (buffer.getLong(pos) != 0) {
        buffer.putLong(pos, 0);
      }
    }
    for (; pos < buffer.capacity(); pos++) {
      buffer.put(pos, (byte) 0);
    }
  }

  boolean fits(int payloadLength) {
    return writePosition + RECORD_HEADER + (long) payloadLength <= buffer.capacity();
  }

  void append(byte[] payload) {
    CRC32C crc = new CRC32C();
    crc.update(payload);
    int pos = writePosition;
    buffer.put(pos + RECORD_HEADER, payload);
    buffer.putInt(pos + Integer.BYTES, (int) crc.getValue());
    buffer.putInt(pos, payload.length);
    writePosition = pos + RECORD_HEADER + payload.length;
    addOffset(pos);
  }

  /**
   * Takes back the last record appended, which no one was told of: its length is zeroed first,
   * so it is the end of the segment again for appends and for the scan of the next open, then
   * the rest of it, so no part of it can pass for a record later.
   */
  synchronized void removeLast() {
    int n = count - 1;
    int pos = offsets[n];
    int end = writePosition;
    buffer.putInt(pos, 0);
    for (int p = pos + Integer.BYTES; p < end; p++) {
      buffer.put(p, (byte) 0);
    }
    count = n;
    writePosition = pos;
    forcedPosition = Math.min(forcedPosition, pos);
  }

  private void addOffset(int pos) {
    int n = count;
    int[] current = offsets;
    if (n == current.length) {
      current = Arrays.copyOf(current, n * 2);
      offsets = current;
    }
    current[n] = pos;
    count = n + 1;
  }

  int count() {
    return count;
  }

  long lastRevision() {
    return firstRevision + count - 1;
  }

  /** The payload of the record of {@code revision}, which must be in this segment. */
  ByteBuffer payload(long revision) {
    int index = (int) (revision - firstRevision);
    if (index < 0 || index >= count) {
      return null;
    }
    int pos = offsets[index];
    return buffer.slice(pos + RECORD_HEADER, buffer.getInt(pos));
  }

  /** The commit time of the last record, or -1 when the segment is empty. */
  long lastTimestamp() {
    ByteBuffer last = count == 0 ? null : payload(lastRevision());
    return last == null ? -1 : last.getLong(Long.BYTES);
  }

  /** Forces what was appended since the last call to disk; called by one thread at a time. */
  synchronized void force() {
    int end = writePosition;
    if (end > forcedPosition) {
      buffer.force(forcedPosition, end - forcedPosition);
      forcedPosition = end;
    }
  }

  void delete() throws IOException {
    // The mapping stays valid for readers still holding this segment; the GC unmaps it.
    Files.deleteIfExists(file);
  }
}
