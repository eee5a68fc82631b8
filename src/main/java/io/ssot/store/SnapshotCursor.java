package io.ssot.store;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Every key of the store as it was at one revision, read in key order in pages while writes go
 * on ({@link MvccStore#openSnapshot}). Reserved keys ({@link SystemKeys}) are included.
 *
 * <p>It reads the current map, not the change log, so it needs no history below its revision:
 * a commit after that revision first hands the cursor the state its keys had before it (under
 * the write lock, before applying), for each key the cursor has not yet passed and was not
 * handed before. The cursor reads a key from that record if there is one, else from the map
 * (and then checks the record again, for a commit that came in between). A key deleted
 * before the cursor reached it is in the records too, so the walk merges the key index with
 * them. What it holds is bounded by the distinct keys written while it runs, not by the store.
 *
 * <p>Used from one thread at a time; close it (it unregisters from the store).
 */
public final class SnapshotCursor implements AutoCloseable {

  /** The record of a key that did not exist at the snapshot's revision. */
  private static final byte[] ABSENT = new byte[0];

  private final MvccStore store;
  private final KvStore kv;
  private final KeyIndex index;
  private final long revision;
  private final ConcurrentSkipListMap<String, byte[]> before = new ConcurrentSkipListMap<>();
  /** The last key returned; writers record only keys after it. */
  private volatile String passed;
  private boolean done;

  SnapshotCursor(MvccStore store, KvStore kv, KeyIndex index, long revision) {
    this.store = store;
    this.kv = kv;
    this.index = index;
    this.revision = revision;
  }

  /** The revision every entry is read at. */
  public long revision() {
    return revision;
  }

  /** Called under the write lock before a commit after {@link #revision} changes {@code key}. */
  void changing(String key) {
    String at = passed;
    if (at == null || key.compareTo(at) > 0) {
      before.computeIfAbsent(key, k -> {
        byte[] live = kv.get(k);
        return live == null ? ABSENT : live;
      });
    }
  }

  /**
   * The next live entries in key order, at most {@code limit} of them and about
   * {@code maxBytes} of values (at least one); an empty list when every key has been read.
   */
  public List<Entry> next(int limit, long maxBytes) {
    List<Entry> page = new ArrayList<>(Math.min(limit, 1024));
    if (done) {
      return page;
    }
    String last = passed;
    Iterator<String> keys = index.scan("", last);
    String indexed = keys.hasNext() ? keys.next() : null;
    long bytes = 0;
    while (page.size() < limit && bytes < maxBytes) {
      // Read after the index moved: a key it skipped (deleted meanwhile) is recorded by now.
      String recorded = last == null ? firstRecorded() : before.higherKey(last);
      String key = min(indexed, recorded);
      if (key == null) {
        done = true;
        break;
      }
      if (key.equals(indexed)) {
        indexed = keys.hasNext() ? keys.next() : null;
      }
      byte[] stored = stateAt(key);
      passed = key;
      last = key;
      before.remove(key);
      if (stored != ABSENT) {
        Entry entry = EntryCodec.decodeStored(key, stored);
        page.add(entry);
        bytes += entry.value().length + key.length();
      }
    }
    // Records a writer made after checking an older position, now behind the cursor.
    if (last != null) {
      before.headMap(last, true).clear();
    }
    return page;
  }

  private String firstRecorded() {
    Map.Entry<String, byte[]> first = before.firstEntry();
    return first == null ? null : first.getKey();
  }

  private byte[] stateAt(String key) {
    byte[] recorded = before.get(key);
    if (recorded != null) {
      return recorded;
    }
    byte[] live = kv.get(key);
    recorded = before.get(key); // a commit that changed the key after the read above
    if (recorded != null) {
      return recorded;
    }
    return live == null ? ABSENT : live;
  }

  /** How many keys' earlier states the cursor holds now (for tests and the bound it documents). */
  int held() {
    return before.size();
  }

  private static String min(String a, String b) {
    return a == null ? b : b == null || a.compareTo(b) <= 0 ? a : b;
  }

  @Override
  public void close() {
    store.closeSnapshot(this);
    before.clear();
  }
}
