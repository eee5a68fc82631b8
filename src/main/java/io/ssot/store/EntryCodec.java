package io.ssot.store;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary layouts of entries: the stored form kept in the key-value map, and the change form
 * written into change-log records. All numbers are big-endian.
 *
 * <pre>
 * stored:  u8 format (1 entry, 2 tombstone) | i64 revision | i64 createRevision | i64 version | i64 prevRevision
 *          | i64 updatedAt | u16 principalLen | principal (UTF-8) | value bytes (the rest; none
 *          in a tombstone, the delete marker kept for a deleted key)
 * change:  u8 type (1 put, 2 delete) | u16 keyLen | key | i64 createRevision | i64 version
 *          | i64 prevRevision | u16 principalLen | principal | i32 valueLen | value
 * </pre>
 * The stored form carries no key (the map does) and no value length (the value is the rest).
 */
public final class EntryCodec {

  private static final byte STORED_FORMAT = 1;
  private static final byte TOMBSTONE_FORMAT = 2;
  private static final byte PUT = 1;
  private static final byte DELETE = 2;
  private static final int STORED_HEADER = 1 + 5 * Long.BYTES + Short.BYTES;

  private EntryCodec() {
  }

  public static byte[] encodeStored(Entry e) {
    byte[] principal = e.updatedBy().getBytes(StandardCharsets.UTF_8);
    int valueLength = e.isDelete() ? 0 : e.value().length;
    ByteBuffer out = ByteBuffer.allocate(STORED_HEADER + principal.length + valueLength);
    out.put(e.isDelete() ? TOMBSTONE_FORMAT : STORED_FORMAT)
        .putLong(e.revision()).putLong(e.createRevision()).putLong(e.version())
        .putLong(e.prevRevision()).putLong(e.updatedAt())
        .putShort((short) principal.length).put(principal);
    if (!e.isDelete()) {
      out.put(e.value());
    }
    return out.array();
  }

  public static Entry decodeStored(String key, byte[] stored) {
    ByteBuffer in = ByteBuffer.wrap(stored);
    byte format = in.get();
    if (format != STORED_FORMAT && format != TOMBSTONE_FORMAT) {
      throw new IllegalStateException("unknown stored entry format " + format + " for key " + key);
    }
    long revision = in.getLong();
    long createRevision = in.getLong();
    long version = in.getLong();
    long prevRevision = in.getLong();
    long updatedAt = in.getLong();
    String principal = readString(in, in.getShort() & 0xFFFF);
    byte[] value = null;
    if (format == STORED_FORMAT) {
      value = new byte[in.remaining()];
      in.get(value);
    }
    return new Entry(key, value, revision, createRevision, version, prevRevision, updatedAt, principal);
  }

  /** The revision of a stored entry, read without decoding the rest. */
  public static long storedRevision(byte[] stored) {
    return ByteBuffer.wrap(stored, 1, Long.BYTES).getLong();
  }

  static int changeSize(Entry e) {
    return 1 + Short.BYTES + e.key().length() + 3 * Long.BYTES + Short.BYTES
        + utf8Length(e.updatedBy()) + Integer.BYTES + (e.isDelete() ? 0 : e.value().length);
  }

  static void writeChange(ByteBuffer out, Entry e) {
    byte[] key = e.key().getBytes(StandardCharsets.US_ASCII);
    byte[] principal = e.updatedBy().getBytes(StandardCharsets.UTF_8);
    out.put(e.isDelete() ? DELETE : PUT)
        .putShort((short) key.length).put(key)
        .putLong(e.createRevision()).putLong(e.version()).putLong(e.prevRevision())
        .putShort((short) principal.length).put(principal);
    if (e.isDelete()) {
      out.putInt(0);
    } else {
      out.putInt(e.value().length).put(e.value());
    }
  }

  static Entry readChange(ByteBuffer in, long revision, long timestamp) {
    byte type = in.get();
    if (type != PUT && type != DELETE) {
      throw new IllegalStateException("unknown change type " + type);
    }
    String key = readString(in, in.getShort() & 0xFFFF);
    long createRevision = in.getLong();
    long version = in.getLong();
    long prevRevision = in.getLong();
    String principal = readString(in, in.getShort() & 0xFFFF);
    int valueLength = in.getInt();
    byte[] value = null;
    if (type == PUT) {
      value = new byte[valueLength];
      in.get(value);
    }
    return new Entry(key, value, revision, createRevision, version, prevRevision, timestamp, principal);
  }

  private static String readString(ByteBuffer in, int length) {
    byte[] bytes = new byte[length];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }
}
