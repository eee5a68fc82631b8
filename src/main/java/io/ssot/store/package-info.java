/**
 * The revisioned store: current state, change log, history and durability.
 *
 * <h2>On disk</h2>
 * <pre>
 * &lt;data&gt;/LOCK                 flock held while a process has the store open
 * &lt;data&gt;/clean-shutdown       written by a clean close, removed by the next open
 * &lt;data&gt;/kv.dat               Chronicle Map: key to its current entry (EntryCodec stored form)
 * &lt;data&gt;/tombstones.dat       Chronicle Map: deleted key to its delete marker, within retention
 * &lt;data&gt;/changelog/NNN.log    change-log segments, NNN = first revision (20 digits)
 * &lt;data&gt;/bootstrapping        present only while a {@link io.ssot.store.StoreLoader} builds the store
 * </pre>
 * A segment is a memory-mapped file of records {@code i32 length | i32 crc32c | payload}, one
 * per revision, consecutive and gap-free; a zero length ends it. The payload is a commit
 * ({@link io.ssot.store.CommitCodec}): revision, timestamp and every change of that revision.
 *
 * <h2>Write order and what survives</h2>
 * Under one lock a write takes the next revision, appends its record to the change log, then
 * applies it to the maps. A commit made elsewhere ({@code MvccStore.apply}) goes the same way at
 * its own revision, refused unless it is the next one. So:
 * <ul>
 *   <li><b>Process killed</b> ({@code kill -9}): the mapped pages belong to the OS and survive.
 *       With no clean-shutdown marker the next open runs Chronicle's recovery on both maps and
 *       replays the retained change log over them, skipping changes a key already has (by
 *       revision). A torn record at the log's end was never acknowledged; it is cut off and the
 *       bytes after it zeroed.</li>
 *   <li><b>Machine crash</b>: only what was forced survives. {@code durability=sync} forces the
 *       change log up to the write's revision before the answer ({@link GroupCommit}); the map
 *       is rebuilt from the log on the next open.</li>
 *   <li>A commit that reached the log but could not be applied to the maps (a map cannot grow:
 *       disk full or past its bloat factor) is taken back: the maps get their previous bytes,
 *       the record is removed from the log, the revision is not handed out and the next write
 *       takes it. Only if that fails too do writes stop (503) until a restart.</li>
 *   <li>After an unclean stop the maps may hold a change the log lacks (a machine crash wrote a
 *       map page back but not the log's): the log is the truth, and such keys are put back to
 *       their latest change in the log ({@code MvccStore.reconcileWithLog}).</li>
 * </ul>
 *
 * <h2>Disk space</h2>
 * No mapped byte is written before its block is allocated ({@code FileAllocation}:
 * {@code posix_fallocate}): Chronicle allocates each map file and each tier it grows by, and a
 * change-log segment is allocated in full when it is created, and again when it is opened as
 * the active one (it may be a segment of an older version, or one a kill left short); a sealed
 * segment is only read, and is allocated at open only when it has holes. On a full disk the allocation fails with an exception and the write gets 507
 * ({@link io.ssot.store.StoreException.InsufficientStorage}) instead of a SIGBUS in some later
 * access. {@code DiskSpace} refuses writes early while the free space is below
 * {@code store.minFreeDiskBytes} and after an allocation failed, until it would fit.
 *
 * <h2>Compaction</h2>
 * Whole segments older than both retentions (revisions and age) are deleted, never the active
 * one, after both maps are forced to disk (from then on they are the only record of those
 * changes); the first revision still held is the compact revision. Tombstones below it go too.
 *
 * <h2>Snapshots and restore</h2>
 * {@link io.ssot.store.SnapshotCursor} reads every key at one revision while writes go on (each
 * commit hands open cursors the earlier state of the keys it changes, under the write lock);
 * {@link io.ssot.store.StoreRestore} loads a snapshot into an open store that was never written,
 * refusing writes meanwhile, and starts the change log over after the snapshot's revision.
 *
 * <h2>Layer and threads</h2>
 * The bottom layer, beside {@code config}: it imports no other {@code io.ssot} package, and knows
 * nothing of HTTP, PostgreSQL or Vert.x. {@link io.ssot.store.MvccStore} is safe from any thread:
 * one writer at a time, serialised by a short lock (whichever event loop the write came from),
 * reads without a lock; commit listeners and observers run on the writing thread after the lock
 * is released and must not block. Compaction and {@link io.ssot.store.GroupCommit}'s forcing run
 * on threads of their own, never an event loop.
 */
package io.ssot.store;
