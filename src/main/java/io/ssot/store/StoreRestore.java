package io.ssot.store;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A snapshot being restored into an open store that was never written ({@link MvccStore#beginRestore}):
 * entries are put in key order, then {@link #finish} makes the snapshot's revision the store's,
 * or {@link #abort} empties the store again. Writes are refused in between.
 */
public final class StoreRestore {

  private final MvccStore store;
  private final long revision;
  private final List<Entry> reserved = new ArrayList<>();
  private boolean ended;

  StoreRestore(MvccStore store, long revision) {
    this.store = store;
    this.revision = revision;
  }

  /** Puts one entry of the snapshot, whose revision is at most the snapshot's. */
  public void put(Entry entry) {
    if (ended || entry.isDelete() || entry.revision() > revision) {
      throw new IllegalArgumentException("not a live entry of a snapshot at revision " + revision + ": "
          + entry.key());
    }
    store.restorePut(entry);
    if (SystemKeys.isSystem(entry.key())) {
      reserved.add(entry);
    }
  }

  public void finish() throws IOException {
    ended = true;
    store.finishRestore(revision, reserved);
  }

  /** Empties the store again; nothing if it has ended. */
  public void abort() {
    if (!ended) {
      ended = true;
      store.abortRestore();
    }
  }
}
