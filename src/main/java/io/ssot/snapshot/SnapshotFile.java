package io.ssot.snapshot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SnapshotCursor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Snapshot files: writing one from the store atomically, verifying one and reading its entries.
 * Blocking file I/O: call from a worker thread or a CLI, never an event loop.
 */
public final class SnapshotFile {

  /** Entries read from the store at a time. */
  static final int PAGE_KEYS = 1000;
  static final long PAGE_BYTES = 1 << 20;
  /** The longest line accepted: a value of the largest size the server takes, in base64, and then some. */
  static final int MAX_LINE_BYTES = 64 << 20;

  private static final JsonFactory JSON = new JsonFactory();

  private SnapshotFile() {
  }

  /** What a verified snapshot holds. */
  public record Summary(long revision, String createdAt, long count, long bytes, String sha256) {
  }

  /**
   * Writes a snapshot of {@code store} at its current revision to {@code file}: to a temporary
   * file beside it first, forced to disk, then renamed over it, so {@code file} is either the
   * previous one or the complete new one; then reads it back and verifies it.
   *
   * @return the verified summary
   * @throws InvalidSnapshot when the file read back does not verify (then it is deleted)
   */
  public static Summary write(MvccStore store, Path file) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path partial = dir.resolve(file.getFileName() + ".partial");
    try {
      try (SnapshotCursor cursor = store.openSnapshot();
           OutputStream out = Files.newOutputStream(partial, StandardOpenOption.CREATE,
               StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
        SnapshotWriter writer = new SnapshotWriter();
        out.write(writer.header(cursor.revision(), System.currentTimeMillis()));
        for (List<Entry> page = cursor.next(PAGE_KEYS, PAGE_BYTES); !page.isEmpty();
             page = cursor.next(PAGE_KEYS, PAGE_BYTES)) {
          out.write(writer.entries(page));
        }
        out.write(writer.trailer());
      }
      try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
        channel.force(true);
      }
      Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      forceDirectory(dir);
    } finally {
      Files.deleteIfExists(partial);
    }
    try {
      return verify(file);
    } catch (InvalidSnapshot e) {
      Files.deleteIfExists(file);
      throw e;
    }
  }

  /**
   * Reads {@code file} through and checks it: header of a known format and version, every entry
   * line well formed, keys strictly ascending and no entry newer than the snapshot's revision,
   * the trailer's count and SHA-256 matching, nothing after the trailer.
   *
   * @throws InvalidSnapshot naming what is wrong
   */
  public static Summary verify(Path file) throws IOException {
    return read(file, entry -> { }, bytes -> { });
  }

  /**
   * As {@link #verify}, handing each entry to {@code entries} as it is read (before the
   * checksum at the end is known: verify first to apply only a file known to be intact) and
   * the bytes read so far to {@code progress}.
   */
  public static Summary read(Path file, Consumer<Entry> entries, LongConsumer progress) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return read(in, entries, progress);
    }
  }

  static Summary read(InputStream in, Consumer<Entry> entries, LongConsumer progress) throws IOException {
    MessageDigest sha256 = SnapshotWriter.newDigest();
    LineReader lines = new LineReader(in);
    byte[] line = lines.next();
    if (line == null) {
      throw new InvalidSnapshot("the file is empty");
    }
    Header header = header(line);
    sha256.update(line);
    long count = 0;
    String lastKey = null;
    byte[] trailer = null;
    for (byte[] next = lines.next(); next != null; next = lines.next()) {
      if (trailer != null) {
        throw new InvalidSnapshot("line " + (count + 2) + " is not an entry");
      }
      if (isTrailer(next)) {
        trailer = next;
        continue;
      }
      Entry entry = entry(next, count + 2);
      if (lastKey != null && entry.key().compareTo(lastKey) <= 0) {
        throw new InvalidSnapshot("line " + (count + 2) + ": keys are not in ascending order");
      }
      if (entry.revision() > header.revision) {
        throw new InvalidSnapshot("line " + (count + 2) + ": revision " + entry.revision()
            + " is after the snapshot's " + header.revision);
      }
      lastKey = entry.key();
      sha256.update(next);
      count++;
      entries.accept(entry);
      progress.accept(lines.position());
    }
    if (trailer == null || !lines.endedWithNewline()) {
      throw new InvalidSnapshot("the file is truncated: it has no trailer line after " + count + " entries");
    }
    Trailer end = trailer(trailer);
    String actual = HexFormat.of().formatHex(sha256.digest());
    if (end.count != count) {
      throw new InvalidSnapshot("the trailer says " + end.count + " entries but the file holds " + count);
    }
    if (!actual.equals(end.sha256)) {
      throw new InvalidSnapshot("checksum mismatch: the trailer says sha256 " + end.sha256 + " but the content has "
          + actual + " (the file is corrupt)");
    }
    return new Summary(header.revision, header.createdAt, count, lines.position(), actual);
  }

  private record Header(long revision, String createdAt) {
  }

  private record Trailer(long count, String sha256) {
  }

  private static Header header(byte[] line) throws IOException {
    String format = null;
    long version = -1;
    long revision = -1;
    String createdAt = null;
    try (JsonParser p = object(line, 1)) {
      for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        switch (field) {
          case "format" -> format = t == JsonToken.VALUE_STRING ? p.getText() : null;
          case "version" -> version = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "revision" -> revision = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "createdAt" -> createdAt = t == JsonToken.VALUE_STRING ? p.getText() : null;
          default -> p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      throw new InvalidSnapshot("line 1 is not a snapshot header: " + e.getOriginalMessage());
    }
    if (!SnapshotWriter.FORMAT.equals(format)) {
      throw new InvalidSnapshot("not an ssot snapshot: the first line has no \"format\": \"" + SnapshotWriter.FORMAT
          + "\"");
    }
    if (version != SnapshotWriter.VERSION) {
      throw new InvalidSnapshot("snapshot format version " + version + " is not supported (this server reads version "
          + SnapshotWriter.VERSION + ")");
    }
    if (revision < 0) {
      throw new InvalidSnapshot("the header has no revision");
    }
    return new Header(revision, createdAt);
  }

  private static final byte[] TRAILER_START = "{\"count\":".getBytes(StandardCharsets.US_ASCII);

  /** The trailer is the only line that starts with its count field. */
  private static boolean isTrailer(byte[] line) {
    return line.length >= TRAILER_START.length
        && Arrays.equals(line, 0, TRAILER_START.length, TRAILER_START, 0, TRAILER_START.length);
  }

  private static Trailer trailer(byte[] line) throws IOException {
    long count = -1;
    String sha256 = null;
    try (JsonParser p = object(line, -1)) {
      for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        switch (field) {
          case "count" -> count = t == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
          case "sha256" -> sha256 = t == JsonToken.VALUE_STRING ? p.getText() : null;
          default -> p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      throw new InvalidSnapshot("the trailer is malformed: " + e.getOriginalMessage());
    }
    if (count < 0 || sha256 == null) {
      throw new InvalidSnapshot("the trailer lacks its count or sha256");
    }
    return new Trailer(count, sha256);
  }

  private static Entry entry(byte[] line, long number) throws IOException {
    String key = null;
    byte[] value = null;
    String updatedBy = null;
    long[] numbers = {-1, -1, -1, -1, -1};
    try (JsonParser p = object(line, number)) {
      for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        int slot = switch (field) {
          case "revision" -> 0;
          case "createRevision" -> 1;
          case "version" -> 2;
          case "prevRevision" -> 3;
          case "updatedAt" -> 4;
          default -> -1;
        };
        if (slot >= 0) {
          if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new InvalidSnapshot("line " + number + ": " + field + " is not an integer");
          }
          numbers[slot] = p.getLongValue();
        } else if (field.equals("key") && t == JsonToken.VALUE_STRING) {
          key = p.getText();
        } else if (field.equals("value") && t == JsonToken.VALUE_STRING) {
          value = p.getBinaryValue();
        } else if (field.equals("updatedBy") && t == JsonToken.VALUE_STRING) {
          updatedBy = p.getText();
        } else {
          p.skipChildren();
        }
      }
    } catch (JsonProcessingException e) {
      throw new InvalidSnapshot("line " + number + " is not a snapshot entry: " + e.getOriginalMessage());
    }
    if (key == null || key.isEmpty() || value == null || updatedBy == null || numbers[0] < 1 || numbers[1] < 1
        || numbers[1] > numbers[0] || numbers[2] < 1 || numbers[3] < 0 || numbers[4] < 0) {
      throw new InvalidSnapshot("line " + number + " is not a complete entry (key, value, revision, createRevision, "
          + "version, prevRevision, updatedAt, updatedBy)");
    }
    return new Entry(key, value, numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], updatedBy);
  }

  private static JsonParser object(byte[] line, long number) throws IOException {
    JsonParser p = JSON.createParser(line, 0, line.length - 1);
    if (p.nextToken() != JsonToken.START_OBJECT) {
      p.close();
      throw new InvalidSnapshot((number < 0 ? "the trailer" : "line " + number) + " is not a JSON object");
    }
    return p;
  }

  private static void forceDirectory(Path dir) throws IOException {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    }
  }

  /** Lines of at most {@link #MAX_LINE_BYTES}, each returned with its newline (the last may lack one). */
  private static final class LineReader {
    private final InputStream in;
    private final byte[] buffer = new byte[1 << 16];
    private int start;
    private int end;
    private long position;
    private boolean endedWithNewline = true;

    LineReader(InputStream in) {
      this.in = in;
    }

    byte[] next() throws IOException {
      ByteArrayOutputStream partial = null;
      while (true) {
        for (int i = start; i < end; i++) {
          if (buffer[i] == '\n') {
            byte[] line = take(partial, i + 1);
            endedWithNewline = true;
            return line;
          }
        }
        if (partial == null) {
          partial = new ByteArrayOutputStream(Math.max(256, end - start));
        }
        partial.write(buffer, start, end - start);
        start = end;
        if (partial.size() > MAX_LINE_BYTES) {
          throw new InvalidSnapshot("a line longer than " + MAX_LINE_BYTES + " bytes: not a snapshot");
        }
        int read = in.read(buffer);
        if (read == -1) {
          if (partial.size() == 0) {
            return null;
          }
          endedWithNewline = false;
          position += partial.size();
          return partial.toByteArray();
        }
        start = 0;
        end = read;
      }
    }

    private byte[] take(ByteArrayOutputStream partial, int upTo) {
      byte[] line;
      if (partial == null) {
        line = Arrays.copyOfRange(buffer, start, upTo);
      } else {
        partial.write(buffer, start, upTo - start);
        line = partial.toByteArray();
      }
      start = upTo;
      position += line.length;
      return line;
    }

    long position() {
      return position;
    }

    boolean endedWithNewline() {
      return endedWithNewline;
    }
  }
}
