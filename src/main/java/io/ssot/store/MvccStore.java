package io.ssot.store;

import io.ssot.store.StoreException.Compacted;
import io.ssot.store.StoreException.FutureRevision;
import io.ssot.store.StoreException.PreconditionFailed;
import io.ssot.store.StoreException.TooLarge;
import io.ssot.store.StoreException.Unavailable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * The revisioned store: current state ({@link KvStore}), change log, sorted key index and the
 * global revision. Every write takes one short critical section that assigns the next revision,
 * appends the commit to the change log and then applies it to the map, so revision order is
 * commit order whichever event loop the write came from. A commit made elsewhere ({@link #apply})
 * goes through the same section at its own revision. Reads take no lock and touch only memory.
 * Commit listeners are told the new revision after the lock is released.
 *
 * <p>Deleted keys keep a tombstone (their delete marker) in a second map while their delete is
 * within the change log's retention, so history and {@code atRevision} reach past a delete.
 */
public final class MvccStore implements AutoCloseable {

  private final KvStore kv;
  private final KvStore tombstones;
  private final ChangeLog log;
  private final LongSupplier clock;
  private final KeyIndex index = new KeyIndex();
  private final Object writeLock = new Object();
  private final Object compactionLock = new Object();
  private boolean closed;
  private final List<LongConsumer> commitListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<Commit>> commitObservers = new CopyOnWriteArrayList<>();
  private volatile long revision;
  /**
   * Odd while a commit applies its changes to the map, bumped before and after: a read that a
   * commit overlapped (the map may already hold what the revision does not yet say) is not cached.
   */
  private volatile long applying;
  private final ReadCache cache = new ReadCache(ReadCache.budgetFor(Runtime.getRuntime().maxMemory()));
  private volatile long compactRevision;
  /** Set when a commit could be neither applied nor taken back: writes stop until a restart. */
  private volatile String writeFailure;
  private volatile DiskSpace disk;
  private int reconciled;
  /** Set while a snapshot is restored into this store ({@link #beginRestore}): writes are refused. */
  private volatile String restoring;
  /** Open snapshot cursors, told of every key a commit changes; replaced under the write lock. */
  private volatile SnapshotCursor[] snapshots = new SnapshotCursor[0];

  /**
   * Takes ownership of the parts and brings the map up to date with the change log.
   *
   * @param replay replay the change log over the map: needed after a stop that was not clean,
   *               when the last appended commits may be missing from the map
   */
  public MvccStore(KvStore kv, KvStore tombstones, ChangeLog log, boolean replay, LongSupplier clock) {
    this.kv = kv;
    this.tombstones = tombstones;
    this.log = log;
    this.clock = clock;
    this.revision = log.lastRevision();
    this.compactRevision = log.firstRevision();
    if (replay) {
      log.forEach(log.firstRevision(), this::replay);
      reconciled = reconcileWithLog();
    }
    if (kv.size() == 0) {
      index.markReady();
    } else {
      index.buildInBackground(kv);
    }
  }

  /**
   * After an unclean stop the maps may hold changes the change log does not: a machine crash
   * can write a map's pages back and lose the log's. The log is the truth (no one was told of
   * a revision it lacks), so each such key is put back to its latest change in the log, or
   * removed when it was created after the log's end. A key whose state at the log's end was
   * compacted away cannot be rebuilt: the store refuses to open rather than serve a revision
   * it never committed.
   *
   * @return the number of keys put back
   */
  private int reconcileWithLog() {
    long last = log.lastRevision();
    Map<String, Entry> ahead = new HashMap<>();
    for (KvStore map : List.of(kv, tombstones)) {
      map.forEachKey(key -> {
        byte[] stored = map.get(key);
        if (stored != null && EntryCodec.storedRevision(stored) > last) {
          Entry entry = EntryCodec.decodeStored(key, stored);
          ahead.merge(key, entry, (a, b) -> a.revision() >= b.revision() ? a : b);
        }
      });
    }
    if (ahead.isEmpty()) {
      return 0;
    }
    Map<String, Entry> logged = new HashMap<>();
    log.forEach(log.firstRevision(), commit -> {
      for (Entry change : commit.changes()) {
        if (ahead.containsKey(change.key())) {
          logged.put(change.key(), change);
        }
      }
    });
    for (Map.Entry<String, Entry> e : ahead.entrySet()) {
      String key = e.getKey();
      Entry atEnd = logged.get(key);
      if (atEnd == null && e.getValue().createRevision() <= last) {
        throw new IllegalStateException("the store holds revision " + e.getValue().revision() + " of " + key
            + ", which the change log (ending at revision " + last + ") lacks, and its earlier state is compacted; "
            + "restore the data directory from a backup or bootstrap it from PostgreSQL (empty it)");
      }
      kv.remove(key);
      tombstones.remove(key);
      if (atEnd != null) {
        (atEnd.isDelete() ? tombstones : kv).put(key, EntryCodec.encodeStored(atEnd));
      }
    }
    return ahead.size();
  }

  /** How many keys the open put back to the change log's state ({@link #reconcileWithLog}). */
  int reconciled() {
    return reconciled;
  }

  private void replay(Commit commit) {
    for (Entry change : commit.changes()) {
      if (headRevision(change.key()) < commit.revision()) {
        applyChange(change, EntryCodec.encodeStored(change));
      }
    }
  }

  // ---- reads -------------------------------------------------------------------------------

  /** The highest committed revision. */
  public long revision() {
    return revision;
  }

  /** The oldest revision whose change is still in the log; anything below it is compacted. */
  public long compactRevision() {
    return compactRevision;
  }

  public long size() {
    return kv.size();
  }

  /** The current entry of {@code key}, or {@code null}. */
  public Entry get(String key) {
    Entry cached = cache.get(key);
    return cached != null ? cached : readThrough(key);
  }

  /**
   * The current entry of {@code key} if the read cache holds it (a key read often), else
   * {@code null}; then {@link #get} reads it. The same instance while the key is unchanged.
   */
  public Entry cached(String key) {
    return cache.get(key);
  }

  /**
   * {@link #get} after {@link #cached} missed: reads the map without asking the read cache again
   * (the second miss cost random reads over a large key space a few percent of each GET).
   */
  public Entry getUncached(String key) {
    return readThrough(key);
  }

  private Entry readThrough(String key) {
    long stamp = applying;
    Entry entry = stored(key);
    cache.offer(key, entry, stamp, this);
    return entry;
  }

  /** {@link #applying}: for the read cache, which keeps an entry only when no commit overlapped its read. */
  long applyStamp() {
    return applying;
  }

  /** The current entry as the map holds it: what writers read, under the write lock. */
  private Entry stored(String key) {
    byte[] stored = kv.get(key);
    return stored == null ? null : EntryCodec.decodeStored(key, stored);
  }

  /** Completes when prefix listing is available (the key index is built). */
  public CompletableFuture<Void> listingReady() {
    return index.ready();
  }

  /**
   * A page of at most {@code limit} live entries whose keys start with {@code prefix}, after
   * the key {@code after} (exclusive, may be null), in key order. Needs {@link #listingReady()}.
   * Reserved keys ({@link SystemKeys}) are listed only when the prefix is itself reserved.
   */
  public ListPage list(String prefix, String after, int limit) {
    return list(prefix, after, limit, Long.MAX_VALUE, true);
  }

  /**
   * As {@link #list(String, String, int)}, also bounded in bytes: the page stops before the
   * entry that would take its {@link #pageBytes} over {@code maxBytes} (it always holds one, so
   * a listing progresses). Without {@code values}, the entries' values are left out of the page
   * (empty), so that a page of keys does not hold the values it does not show.
   */
  public ListPage list(String prefix, String after, int limit, long maxBytes, boolean values) {
    if (!index.isReady()) {
      throw new IllegalStateException("the key index is still being built");
    }
    List<Entry> items = new ArrayList<>(Math.min(limit, 64));
    Iterator<String> keys = index.scan(prefix, after);
    boolean system = SystemKeys.isSystem(prefix);
    boolean more = false;
    long bytes = 0;
    while (keys.hasNext()) {
      String key = keys.next();
      if (!system && SystemKeys.isSystem(key)) {
        continue;
      }
      Entry entry = get(key);
      if (entry == null) {
        continue; // deleted since the index was read
      }
      long size = pageBytes(entry, values);
      if (items.size() == limit || (!items.isEmpty() && bytes + size > maxBytes)) {
        more = true;
        break;
      }
      bytes += size;
      items.add(values ? entry : new Entry(entry.key(), NO_VALUE, entry.revision(), entry.createRevision(),
          entry.version(), entry.prevRevision(), entry.updatedAt(), entry.updatedBy()));
    }
    // Read last, so every item's revision is at or below the one reported.
    return new ListPage(revision, items, more);
  }

  private static final byte[] NO_VALUE = new byte[0];

  /**
   * Runs {@code read}, which reads the current state ({@link #get}, {@link #list}), so that all it
   * reads is the state at one revision, the one it is given: when a commit was applied while it
   * ran, its result is dropped and it runs again, at most {@code attempts} times in all. Commits
   * never wait for it.
   *
   * @return what the first run that no commit overlapped returned, or {@code null} when every
   *         attempt overlapped one
   */
  public <T> T atOneRevision(LongFunction<T> read, int attempts) {
    for (int i = 0; i < attempts; i++) {
      long stamp = applying;
      if ((stamp & 1) == 0) {
        T result = read.apply(revision);
        if (applying == stamp) {
          return result;
        }
      }
      Thread.onSpinWait();
    }
    return null;
  }

  /**
   * What one entry adds to a page of a list or history answer, near enough: its value (if
   * shown), key and author, and the JSON around them. Pages are bounded by the sum.
   */
  public static long pageBytes(Entry entry, boolean withValue) {
    return 160L + entry.key().length() + entry.updatedBy().length()
        + (withValue && entry.value() != null ? entry.value().length : 0);
  }

  public record ListPage(long revision, List<Entry> items, boolean more) {
  }

  /**
   * Every live entry of the reserved space ({@link SystemKeys}) whose key starts with
   * {@code prefix}, in key order. Needs {@link #listingReady()}.
   */
  public List<Entry> reserved(String prefix) {
    if (!SystemKeys.isSystem(prefix) || !index.isReady()) {
      throw new IllegalStateException("a reserved prefix, once the key index is built");
    }
    List<Entry> items = new ArrayList<>();
    for (Iterator<String> keys = index.scan(prefix, null); keys.hasNext(); ) {
      Entry entry = get(keys.next());
      if (entry != null) {
        items.add(entry);
      }
    }
    return items;
  }

  /**
   * Opens a cursor over every key (reserved ones too) as it is now, at the current revision,
   * which keeps reading that state while writes go on. Needs {@link #listingReady()}.
   */
  public SnapshotCursor openSnapshot() {
    if (!index.isReady()) {
      throw new IllegalStateException("the key index is still being built");
    }
    synchronized (writeLock) {
      if (restoring != null) {
        throw new Unavailable(restoring); // the maps hold part of a snapshot, newer than the revision
      }
      SnapshotCursor cursor = new SnapshotCursor(this, kv, index, revision);
      SnapshotCursor[] open = Arrays.copyOf(snapshots, snapshots.length + 1);
      open[open.length - 1] = cursor;
      snapshots = open;
      return cursor;
    }
  }

  /** As {@link #openSnapshot}, first waiting (blocking) until the key index is built. */
  public SnapshotCursor openSnapshotWhenListed() {
    index.ready().join();
    return openSnapshot();
  }

  /** Snapshot cursors open now (each costs every commit a lookup per key it changes). */
  public int openSnapshots() {
    return snapshots.length;
  }

  void closeSnapshot(SnapshotCursor cursor) {
    synchronized (writeLock) {
      snapshots = Arrays.stream(snapshots).filter(c -> c != cursor).toArray(SnapshotCursor[]::new);
    }
  }

  /** The commit of {@code revision}, or {@code null} when compacted or not yet written. */
  public Commit commitAt(long revision) {
    return log.read(revision);
  }

  /**
   * Past versions of {@code key}, newest first, with revision below {@code before} (exclusive;
   * {@code Long.MAX_VALUE} for all), at most {@code limit}; {@code next} is the {@code before}
   * of the following page, or null on the last one. Versions older than the compact revision
   * are gone.
   */
  public HistoryPage history(String key, long before, int limit) {
    return history(key, before, limit, Long.MAX_VALUE);
  }

  /**
   * As {@link #history(String, long, int)}, also bounded in bytes: the page stops before the
   * version that would take its {@link #pageBytes} over {@code maxBytes} (it always holds one).
   */
  public HistoryPage history(String key, long before, int limit, long maxBytes) {
    List<Entry> items = new ArrayList<>();
    Long next = null;
    long floor = compactRevision;
    long bytes = 0;
    for (long rev = headRevision(key); rev != 0 && rev >= floor; ) {
      Entry change = changeOf(key, rev);
      if (change == null) {
        break; // compacted while we walked
      }
      if (rev < before) {
        long size = pageBytes(change, true);
        if (items.size() == limit || (!items.isEmpty() && bytes + size > maxBytes)) {
          next = items.get(items.size() - 1).revision();
          break;
        }
        bytes += size;
        items.add(change);
      }
      rev = change.prevRevision();
    }
    return new HistoryPage(items, next);
  }

  public record HistoryPage(List<Entry> items, Long next) {
  }

  /**
   * The entry of {@code key} as it was at {@code atRevision}: {@code null} when the key did not
   * exist then.
   *
   * @throws Compacted      when that state is older than the change log reaches
   * @throws FutureRevision when {@code atRevision} is above the store revision
   */
  public Entry at(String key, long atRevision) {
    long current = revision;
    if (atRevision > current) {
      throw new FutureRevision(atRevision, current);
    }
    long floor = compactRevision;
    if (atRevision < floor) {
      throw new Compacted(atRevision, floor);
    }
    byte[] head = kv.get(key);
    if (head == null) {
      head = tombstones.get(key);
    }
    long headRevision = head == null ? 0 : EntryCodec.storedRevision(head);
    if (headRevision <= atRevision) {
      // The latest change is the state at atRevision. The map holds it even when it was written
      // below the compact revision and the log no longer does.
      return head == null ? null : live(EntryCodec.decodeStored(key, head));
    }
    long rev = headRevision;
    while (rev > atRevision) {
      Entry change = changeOf(key, rev);
      if (change == null) {
        throw new Compacted(atRevision, compactRevision);
      }
      rev = change.prevRevision();
      if (rev != 0 && rev < floor) {
        // The state at atRevision was written below the compact revision.
        throw new Compacted(atRevision, floor);
      }
    }
    if (rev == 0) {
      return null;
    }
    Entry change = changeOf(key, rev);
    if (change == null) {
      throw new Compacted(atRevision, compactRevision);
    }
    return change.isDelete() ? null : change;
  }

  /** The revision of the key's latest change (put or retained delete), 0 if none is known. */
  private long headRevision(String key) {
    byte[] stored = kv.get(key);
    if (stored == null) {
      stored = tombstones.get(key);
    }
    return stored == null ? 0 : EntryCodec.storedRevision(stored);
  }

  private Entry changeOf(String key, long rev) {
    Commit commit = commitAt(rev);
    if (commit == null) {
      return null;
    }
    for (Entry change : commit.changes()) {
      if (change.key().equals(key)) {
        return change;
      }
    }
    throw new IllegalStateException("revision " + rev + " does not change " + key);
  }

  // ---- writes ------------------------------------------------------------------------------

  /** The outcome of a single-key write. */
  public record WriteResult(Entry entry, boolean created) {
  }

  public WriteResult put(String key, byte[] value, Precondition precondition, String principal) {
    WriteResult result;
    Commit committed;
    synchronized (writeLock) {
      byte[] live = kv.get(key);
      Entry current = live == null ? null : EntryCodec.decodeStored(key, live);
      check(precondition, current);
      Entry next = nextVersion(key, value, current, revision + 1, clock.getAsLong(), principal);
      committed = commitLocal(List.of(next), new byte[][] {live});
      result = new WriteResult(next, current == null);
    }
    notifyListeners(committed);
    return result;
  }

  /** @return the delete marker written, or {@code null} when the key did not exist */
  public Entry delete(String key, Precondition precondition, String principal) {
    Entry marker;
    Commit committed;
    synchronized (writeLock) {
      byte[] live = kv.get(key);
      Entry current = live == null ? null : EntryCodec.decodeStored(key, live);
      check(precondition, current);
      if (current == null) {
        return null;
      }
      marker = deleteMarker(current, revision + 1, clock.getAsLong(), principal);
      committed = commitLocal(List.of(marker), new byte[][] {live});
    }
    notifyListeners(committed);
    return marker;
  }

  /** A txn whose gets may read any amount: see {@link #txn(Txn.Request, String, long)}. */
  public Txn.Result txn(Txn.Request request, String principal) {
    return txn(request, principal, Long.MAX_VALUE);
  }

  /**
   * Runs {@code request} atomically. Its gets may read at most {@code maxReadBytes} together
   * (counted as {@link #pageBytes}; a single get whatever its size): past that the txn is
   * refused with {@link StoreException.TxnReadsTooLarge} as soon as the get that passes it is
   * read, so no more is held, and before anything is committed, so the refusal changes nothing.
   */
  public Txn.Result txn(Txn.Request request, String principal, long maxReadBytes) {
    Txn.Result result;
    Commit committed = null;
    synchronized (writeLock) {
      boolean succeeded = true;
      for (Txn.Compare compare : request.compare()) {
        if (!compare.holds(stored(compare.key()))) {
          succeeded = false;
          break;
        }
      }
      long rev = revision + 1;
      long now = clock.getAsLong();
      // Ops run in order; a get sees the txn's own earlier writes.
      Map<String, Entry> written = new HashMap<>();
      List<Entry> changes = new ArrayList<>();
      List<Txn.OpResult> results = new ArrayList<>();
      long readBytes = 0;
      int reads = 0;
      for (Txn.Op op : succeeded ? request.success() : request.failure()) {
        Entry current = written.containsKey(op.key()) ? live(written.get(op.key())) : stored(op.key());
        switch (op.type()) {
          case GET -> {
            if (current != null) {
              readBytes += pageBytes(current, true);
              if (++reads > 1 && readBytes > maxReadBytes) {
                throw new StoreException.TxnReadsTooLarge(maxReadBytes);
              }
            }
            results.add(new Txn.GetResult(op.key(), current));
          }
          case PUT -> {
            Entry next = nextVersion(op.key(), op.value(), current, rev, now, principal);
            written.put(op.key(), next);
            changes.add(next);
            results.add(new Txn.PutResult(op.key(), rev));
          }
          case DELETE -> {
            if (current == null) {
              results.add(new Txn.DeleteResult(op.key(), rev, false));
            } else {
              Entry marker = deleteMarker(current, rev, now, principal);
              written.put(op.key(), marker);
              changes.add(marker);
              results.add(new Txn.DeleteResult(op.key(), rev, true));
            }
          }
        }
      }
      if (!changes.isEmpty()) {
        committed = commitLocal(changes, null);
      } else {
        // Nothing written: report the store revision everywhere instead of one never committed.
        rev = revision;
        List<Txn.OpResult> unchanged = new ArrayList<>();
        for (Txn.OpResult r : results) {
          unchanged.add(r instanceof Txn.DeleteResult d ? new Txn.DeleteResult(d.key(), rev, false) : r);
        }
        results = unchanged;
      }
      result = new Txn.Result(succeeded, rev, List.copyOf(results));
    }
    if (committed != null) {
      notifyListeners(committed);
    }
    return result;
  }

  /**
   * Applies {@code commit}, made elsewhere, at its own revision, which must be the next one: it
   * is logged, applied to the map and read cache, and told to listeners and observers exactly as
   * a local write is, so history, watches and the write-behind see no difference. The writer
   * that made it checked its preconditions; they are not checked again.
   *
   * @throws StoreException.RevisionRepeated when the store already holds {@code commit.revision()}
   * @throws StoreException.RevisionGap      when revisions between the store's and this one are missing
   */
  public void apply(Commit madeElsewhere) {
    checkMadeElsewhere(madeElsewhere);
    // Its own copy of the changes: listeners and the log may keep it.
    Commit commit = new Commit(madeElsewhere.revision(), madeElsewhere.timestamp(),
        List.copyOf(madeElsewhere.changes()));
    synchronized (writeLock) {
      long current = revision;
      if (commit.revision() <= current) {
        throw new StoreException.RevisionRepeated(commit.revision(), current);
      }
      if (commit.revision() != current + 1) {
        throw new StoreException.RevisionGap(commit.revision(), current);
      }
      commit(commit, null);
    }
    notifyListeners(commit);
  }

  /** A commit from elsewhere is written as this store writes one: every change at its revision, each key once. */
  private static void checkMadeElsewhere(Commit commit) {
    if (commit.changes().isEmpty()) {
      throw new IllegalArgumentException("revision " + commit.revision() + " changes nothing");
    }
    Set<String> keys = new HashSet<>();
    for (Entry change : commit.changes()) {
      if (change.revision() != commit.revision() || !keys.add(change.key())) {
        throw new IllegalArgumentException("revision " + commit.revision() + " holds a change of " + change.key()
            + (change.revision() != commit.revision() ? " at revision " + change.revision() : " twice"));
      }
    }
  }

  private static Entry live(Entry written) {
    return written.isDelete() ? null : written;
  }

  private static void check(Precondition precondition, Entry current) {
    Long currentRevision = current == null ? null : current.revision();
    if (!precondition.holds(currentRevision)) {
      throw new PreconditionFailed(currentRevision);
    }
  }

  private Entry nextVersion(String key, byte[] value, Entry current, long rev, long now, String principal) {
    if (current == null) {
      return new Entry(key, value, rev, rev, 1, headRevision(key), now, principal);
    }
    return new Entry(key, value, rev, current.createRevision(), current.version() + 1,
        current.revision(), now, principal);
  }

  private static Entry deleteMarker(Entry current, long rev, long now, String principal) {
    return new Entry(current.key(), null, rev, current.createRevision(), current.version(),
        current.revision(), now, principal);
  }

  /** Called under the write lock: commits {@code changes}, written at the next revision. */
  private Commit commitLocal(List<Entry> changes, byte[][] liveBefore) {
    Commit commit = new Commit(revision + 1, changes.get(0).updatedAt(), List.copyOf(changes));
    commit(commit, liveBefore);
    return commit;
  }

  /**
   * Called under the write lock with the commit of the next revision, made here or elsewhere:
   * log first (so recovery can replay it), then the map, then the revision and the read cache.
   *
   * @param liveBefore what the map holds for each change's key (null: nothing), as the caller read
   *                   it under this lock; or null, and they are read here
   */
  private void commit(Commit commit, byte[][] liveBefore) {
    if (writeFailure != null) {
      throw new Unavailable(writeFailure);
    }
    if (restoring != null) {
      throw new Unavailable(restoring);
    }
    List<Entry> changes = commit.changes();
    long rev = commit.revision();
    byte[][] stored = new byte[changes.size()][];
    for (int i = 0; i < stored.length; i++) {
      Entry change = changes.get(i);
      stored[i] = EntryCodec.encodeStored(change);
      // Checked before the log: a commit the map cannot apply would fail again on every replay.
      if (!(change.isDelete() ? tombstones : kv).fits(change.key(), stored[i])) {
        throw new TooLarge("the entry of " + change.key() + " (" + stored[i].length
            + " bytes) is larger than the store, sized by store.maxKeys and store.averageValueBytes, can hold");
      }
    }
    DiskSpace disk = this.disk;
    if (disk != null) {
      disk.checkWrite();
    }
    try {
      log.append(commit);
    } catch (StoreException.InsufficientStorage e) {
      if (disk != null) {
        disk.allocationFailed(e.getMessage(), e.neededBytes());
      }
      throw e;
    } catch (RuntimeException e) {
      throw new Unavailable("the change log cannot take the write: " + e.getMessage());
    }
    // What the maps hold for these keys now, to put back if the maps cannot take the commit:
    // the tombstone only where applying the change writes one.
    byte[][] before = new byte[2 * stored.length][];
    for (int i = 0; i < stored.length; i++) {
      String key = changes.get(i).key();
      before[2 * i] = liveBefore != null ? liveBefore[i] : kv.get(key);
      if (writesTombstone(changes.get(i))) {
        before[2 * i + 1] = tombstones.get(key);
      }
    }
    for (SnapshotCursor cursor : snapshots) {
      for (Entry change : changes) {
        cursor.changing(change.key());
      }
    }
    int applied = 0;
    applying++; // odd: under the write lock, so no other writer changes it
    try {
      for (; applied < stored.length; applied++) {
        applyChange(changes.get(applied), stored[applied]);
      }
    } catch (RuntimeException e) {
      throw takeBack(commit, before, applied, e, disk);
    }
    revision = rev;
    // After the new revision is visible, so a reader racing this commit drops what it read.
    for (Entry change : changes) {
      cache.invalidate(change.key());
    }
    applying++;
  }

  /**
   * A commit the maps could not take (a map could not grow: disk full, or past its bloat
   * factor) is taken back from the maps and then from the log, so the revision was never
   * handed out: no one is told of it, and no restart replays it. The revision stays where it
   * was. If the maps cannot be put back either, writes stop: the next open reconciles the
   * maps with the log ({@link #reconcileWithLog}).
   */
  private StoreException takeBack(Commit commit, byte[][] before, int applied, RuntimeException failure,
                                  DiskSpace disk) {
    List<Entry> changes = commit.changes();
    try {
      for (int i = applied; i >= 0; i--) {
        if (i < changes.size()) {
          restore(changes.get(i), before[2 * i], before[2 * i + 1]);
        }
      }
    } catch (RuntimeException restoreFailed) {
      writeFailure = "the store could not take back revision " + commit.revision() + " (" + restoreFailed
          + "); restart to recover";
    } finally {
      log.removeLast();
      for (Entry change : changes) {
        cache.invalidate(change.key());
      }
      applying++;
    }
    if (isOutOfSpace(failure)) {
      String detail = "the disk is full: the store's map file could not grow (" + rootMessage(failure) + ")";
      if (disk != null) {
        disk.allocationFailed(detail, 0);
      }
      return new StoreException.InsufficientStorage(detail);
    }
    return new Unavailable(writeFailure != null ? writeFailure
        : "the store cannot take the write of revision " + commit.revision() + ": " + rootMessage(failure));
  }

  private static String rootMessage(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return String.valueOf(root.getMessage());
  }

  private void restore(Entry change, byte[] live, byte[] tombstone) {
    String key = change.key();
    if (live == null) {
      kv.remove(key);
      index.removed(key);
    } else {
      kv.put(key, live);
      index.added(key);
    }
    if (!writesTombstone(change)) {
      return;
    } else if (tombstone == null) {
      tombstones.remove(key);
    } else {
      tombstones.put(key, tombstone);
    }
  }

  /** Chronicle Map says "Not enough space to fallocate" when its file cannot grow. */
  private static boolean isOutOfSpace(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      String message = String.valueOf(t.getMessage());
      if (t instanceof FileAllocation.DiskFull || message.contains("fallocate") || message.contains("No space left")) {
        return true;
      }
    }
    return false;
  }

  /** False after a commit could be neither applied nor taken back: the next open must reconcile. */
  boolean consistent() {
    return writeFailure == null;
  }

  /** Refuses writes while {@code disk} says the disk is too full. */
  void guard(DiskSpace disk) {
    this.disk = disk;
  }

  private void applyChange(Entry change, byte[] stored) {
    if (change.isDelete()) {
      tombstones.put(change.key(), stored);
      kv.remove(change.key());
      index.removed(change.key());
    } else {
      kv.put(change.key(), stored);
      if (writesTombstone(change)) {
        tombstones.remove(change.key());
        index.added(change.key());
      }
    }
  }

  /**
   * Whether applying {@code change} writes the tombstone map: a delete, or a put that creates
   * the key (version 1), which may follow its delete and is new to the index. An update of a
   * live key skips a tombstone-map lookup and a sorted-set insert.
   */
  private static boolean writesTombstone(Entry change) {
    return change.isDelete() || change.version() == 1;
  }

  public void addCommitListener(LongConsumer listener) {
    commitListeners.add(listener);
  }

  /** Observers get the commit itself, for those that act on a few keys (the schema registry). */
  public void addCommitObserver(Consumer<Commit> observer) {
    commitObservers.add(observer);
  }

  private void notifyListeners(Commit commit) {
    for (Consumer<Commit> observer : commitObservers) {
      observer.accept(commit);
    }
    for (LongConsumer listener : commitListeners) {
      listener.accept(commit.revision());
    }
  }

  // ---- restore -----------------------------------------------------------------------------

  /**
   * Starts restoring a snapshot taken at {@code snapshotRevision} into this store, which must
   * never have been written (revision 0, no key): from now until the restore ends, writes are
   * refused (503) and reads may see part of it. Call from a worker thread.
   *
   * @throws StoreException.NotEmpty when the store has been written, or a restore is under way
   */
  public StoreRestore beginRestore(long snapshotRevision) {
    synchronized (writeLock) {
      if (revision != 0 || kv.size() != 0 || tombstones.size() != 0 || restoring != null) {
        throw new StoreException.NotEmpty(restoring != null ? "a snapshot is being restored already"
            : "the store is not empty (revision " + revision + ", " + kv.size() + " keys): a snapshot is restored "
            + "only into a store that was never written");
      }
      restoring = "a snapshot is being restored into this store";
      applying++; // odd until the restore ends: no read in between is cached
    }
    return new StoreRestore(this, snapshotRevision);
  }

  /** A restored entry, put in place while writes are refused. */
  void restorePut(Entry entry) {
    kv.put(entry.key(), EntryCodec.encodeStored(entry));
    index.added(entry.key());
    cache.invalidate(entry.key());
  }

  /**
   * Ends a restore: the change log starts over after the snapshot's revision, which becomes the
   * store's, and writes are taken again. Observers are told the restored reserved records
   * (tokens, schemas) as one commit, listeners the new revision.
   */
  void finishRestore(long snapshotRevision, List<Entry> reserved) throws IOException {
    synchronized (writeLock) {
      log.restartAt(snapshotRevision + 1);
      revision = snapshotRevision;
      compactRevision = log.firstRevision();
      restoring = null;
      applying++;
    }
    Commit restored = new Commit(snapshotRevision, clock.getAsLong(), List.copyOf(reserved));
    for (Consumer<Commit> observer : commitObservers) {
      observer.accept(restored);
    }
    for (LongConsumer listener : commitListeners) {
      listener.accept(snapshotRevision);
    }
  }

  /** Takes back a restore that failed: every key it put is removed, and the store is empty again. */
  void abortRestore() {
    synchronized (writeLock) {
      List<String> keys = new ArrayList<>();
      kv.forEachKey(keys::add);
      for (String key : keys) {
        kv.remove(key);
        index.removed(key);
        cache.invalidate(key);
      }
      restoring = null;
      applying++;
    }
  }

  // ---- maintenance -------------------------------------------------------------------------

  /**
   * Drops change-log segments that are entirely older than both bounds allow, and tombstones
   * below the new compact revision. Blocking (file deletes): call off the event loop.
   *
   * @param keepRevisions keep at least this many latest revisions
   * @param keepSinceMillis keep every commit made at or after this time
   * @return the compact revision afterwards
   */
  public long compact(long keepRevisions, long keepSinceMillis) throws IOException {
    return compact(keepRevisions, keepSinceMillis, Long.MAX_VALUE);
  }

  /**
   * As {@link #compact(long, long)}, keeping every revision from {@code keepFrom} on as well:
   * the write-behind pins what it has not yet written.
   */
  public long compact(long keepRevisions, long keepSinceMillis, long keepFrom) throws IOException {
    synchronized (compactionLock) {
      if (closed) {
        return compactRevision;
      }
      return compactNow(keepRevisions, keepSinceMillis, keepFrom);
    }
  }

  private long compactNow(long keepRevisions, long keepSinceMillis, long keepFrom) throws IOException {
    long bound = Math.min(Math.min(revision - keepRevisions + 1, log.oldestRevisionNewerThan(keepSinceMillis)),
        keepFrom);
    if (bound > compactRevision) {
      // The map may hold the only copy of what the dropped segments recorded; on disk it must be.
      kv.force();
      tombstones.force();
    }
    long floor = log.dropBefore(bound);
    if (floor != compactRevision) {
      compactRevision = floor;
      List<String> expired = new ArrayList<>();
      tombstones.forEachKey(key -> {
        byte[] stored = tombstones.get(key);
        if (stored != null && EntryCodec.storedRevision(stored) < floor) {
          expired.add(key);
        }
      });
      for (String key : expired) {
        synchronized (writeLock) {
          byte[] stored = tombstones.get(key);
          if (stored != null && EntryCodec.storedRevision(stored) < floor) {
            tombstones.remove(key);
          }
        }
      }
    }
    return floor;
  }

  /** Forces the change log to disk: after it returns, every commit so far survives a crash. */
  public void force() {
    log.force();
  }

  /** Waits for a running compaction, then closes the log and both maps. */
  @Override
  public void close() {
    synchronized (compactionLock) {
      closed = true;
    }
    synchronized (writeLock) {
      log.close();
      kv.close();
      tombstones.close();
    }
  }
}
