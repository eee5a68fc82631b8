package io.ssot.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The payload of one change-log record: {@code i64 revision | i64 timestamp | i32 count |
 * count × change} (change layout in {@link EntryCodec}). Also what a cluster's leader sends its
 * followers, so they apply exactly the bytes it logged.
 */
public final class CommitCodec {

  private CommitCodec() {
  }

  public static byte[] encode(Commit commit) {
    int size = MIN_PAYLOAD;
    for (Entry e : commit.changes()) {
      size += EntryCodec.changeSize(e);
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.putLong(commit.revision()).putLong(commit.timestamp()).putInt(commit.changes().size());
    for (Entry e : commit.changes()) {
      EntryCodec.writeChange(out, e);
    }
    return out.array();
  }

  /** @throws RuntimeException (buffer underflow, unknown change type) on bytes that are no commit */
  public static Commit decode(ByteBuffer in) {
    long revision = in.getLong();
    long timestamp = in.getLong();
    int count = in.getInt();
    List<Entry> changes = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      changes.add(EntryCodec.readChange(in, revision, timestamp));
    }
    return new Commit(revision, timestamp, List.copyOf(changes));
  }

  /** The shortest payload: a commit without changes. */
  static final int MIN_PAYLOAD = 2 * Long.BYTES + Integer.BYTES;

  /** The revision of the payload starting at {@code offset} of {@code buffer}. */
  static long revisionAt(ByteBuffer buffer, int offset) {
    return buffer.getLong(offset);
  }
}
