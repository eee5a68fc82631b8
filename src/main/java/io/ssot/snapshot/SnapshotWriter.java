package io.ssot.snapshot;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ssot.store.Entry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Encodes a snapshot, version {@value #VERSION} of the format in {@code docs/snapshot-format.md}:
 * NDJSON, a header line, one line per live key in key order, and a trailer line with the count
 * and the SHA-256 of every byte before it. Each call returns the next bytes of the file; the
 * caller writes them in order (to a response or a file), so nothing holds more than one page.
 */
public final class SnapshotWriter {

  public static final String FORMAT = "ssot-snapshot";
  public static final int VERSION = 1;

  private static final JsonFactory JSON = new JsonFactory();

  private final MessageDigest sha256 = newDigest();
  private long count;

  /** The header line of a snapshot at {@code revision}, made at {@code createdAtMillis}. */
  public byte[] header(long revision, long createdAtMillis) {
    return line(g -> {
      g.writeStringField("format", FORMAT);
      g.writeNumberField("version", VERSION);
      g.writeNumberField("revision", revision);
      g.writeStringField("createdAt", Instant.ofEpochMilli(createdAtMillis).toString());
    }, true);
  }

  /** The lines of {@code entries}, live entries in ascending key order after those already written. */
  public byte[] entries(List<Entry> entries) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(entries.size() * 160);
    for (Entry e : entries) {
      out.writeBytes(line(g -> {
        g.writeStringField("key", e.key());
        g.writeFieldName("value");
        g.writeBinary(e.value());
        g.writeNumberField("revision", e.revision());
        g.writeNumberField("createRevision", e.createRevision());
        g.writeNumberField("version", e.version());
        g.writeNumberField("prevRevision", e.prevRevision());
        g.writeNumberField("updatedAt", e.updatedAt());
        g.writeStringField("updatedBy", e.updatedBy());
      }, true));
      count++;
    }
    return out.toByteArray();
  }

  /** The trailer line: the entry count and the SHA-256 of every byte written before it. */
  public byte[] trailer() {
    String checksum = HexFormat.of().formatHex(sha256.digest());
    long entries = count;
    return line(g -> {
      g.writeNumberField("count", entries);
      g.writeStringField("sha256", checksum);
    }, false);
  }

  /** Entries encoded so far. */
  public long count() {
    return count;
  }

  private interface Fields {
    void write(JsonGenerator g) throws IOException;
  }

  private byte[] line(Fields fields, boolean digested) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      fields.write(g);
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: cannot happen
    }
    out.write('\n');
    byte[] line = out.toByteArray();
    if (digested) {
      sha256.update(line);
    }
    return line;
  }

  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
