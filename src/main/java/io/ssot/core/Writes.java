package io.ssot.core;

import io.ssot.http.JsonValues;
import io.ssot.schema.PrefixSchemas;
import io.ssot.security.TokenRegistry;
import io.ssot.security.ValueCipher;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.store.SystemKeys;
import io.ssot.store.Txn;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * The one door for writes: every change to the store goes through here — a key's put and
 * delete, a txn, a rollback, a schema's put and delete, a token's creation and revocation, and
 * the server's encryption marker. Each write is admitted, committed and made durable in the same
 * order, and this is the one place where a write could instead be sent to another server.
 *
 * <h2>Following one {@code PUT /v1/kv/app/db}</h2>
 * <ol>
 * <li>{@code api.KvRoutes.put} parses the request: the key from the raw path, the role check
 *     ({@code security.Access.require}: WRITE on the key), {@code ?durability=}, the
 *     {@code If-Match}/{@code If-None-Match} precondition. All of that is decided before the body
 *     is read; then the body is read within its limit and checked to be one JSON value
 *     ({@code http.JsonValues.validate}). It calls {@link #put}.</li>
 * <li><b>Admission</b> ({@link #admitted}): the value is checked against the JSON Schemas of the
 *     key's prefixes ({@link PrefixSchemas#check}; a value of 64 KiB or more on a worker thread,
 *     since that can take a while), then sealed by {@link ValueCipher#seal} when its prefix is
 *     encrypted at rest. A refusal ({@code SchemaViolation}, 422) changes nothing.</li>
 * <li><b>Gate</b>: {@link WriteGate#admit}. Always open embedded; in cluster mode only the
 *     leader commits, and a follower refuses with {@link NotLeader} (503) before anything is
 *     committed. A follower that knows a leader does not get here: {@code api.WriteForwarding}
 *     has sent the request to the leader already; what reaches this gate on a follower is a
 *     write that could not be forwarded (no leader known, already forwarded once).</li>
 * <li><b>Durability admission</b>: {@link Durability#admitWrite}. With PostgreSQL
 *     ({@code persist.PostgresDurability}) a full outbox refuses the write
 *     ({@code StoreException.Unavailable}, 503) before anything is committed.</li>
 * <li><b>Commit</b>: {@link MvccStore#put}. Under the store's write lock: the precondition is
 *     checked (412), the next revision is appended to the change log (a full disk refuses with
 *     507 and changes nothing) and applied to the map; then the commit listeners run: watches,
 *     the schema registry, the token cache, and the write-behind ({@code persist.WriteBehind}),
 *     which copies the change log to PostgreSQL in revision order, a batch of revisions per
 *     transaction ({@code persist.PgWriter}), for every write whatever its durability.</li>
 * <li><b>Durability wait</b> ({@code durability=sync} only): {@link Durability#sync}. Embedded,
 *     {@link LocalDurability} waits for the change log to be forced to disk ({@code GroupCommit});
 *     with PostgreSQL, until the write-behind has committed the revision there. A failure is
 *     {@link NotDurable} (503): the write stays committed locally and still reaches
 *     PostgreSQL.</li>
 * <li>The route renders the {@link MvccStore.WriteResult}: 201 or 200, ETag, revision.</li>
 * </ol>
 *
 * <p><b>Access</b> is decided by the caller before it calls here: a 403 must come before the body
 * is read (the caller that may not write sends none of it) and is audited with the request, which
 * only the route has. Each method takes the principal's name ({@code by}), recorded as the
 * {@code updatedBy} of what it writes.
 *
 * <p><b>Threads</b>: call on a Vert.x event loop; nothing here blocks it (a large schema check
 * runs on a worker thread, the durability wait is asynchronous). The returned futures fail with
 * what refused the write, and nothing is changed unless the failure is {@link NotDurable}.
 * A write takes no more future steps or allocations than its parts need: the PUT path is the
 * server's hottest write.
 */
public final class Writes {

  /**
   * Values at least this large are checked against their schemas on a worker thread: a 1 MiB
   * value of 23,000 small objects takes 0.2-0.4 s to validate, too long for an event loop.
   */
  static final int VALIDATE_OFF_LOOP_BYTES = 64 << 10;

  /** Who the server's own records are written by. */
  private static final String SYSTEM = "system";

  private final MvccStore store;
  private final PrefixSchemas schemas;
  private final ValueCipher cipher;
  private final Durability durability;
  private final ArchivedHistory archive;
  private final WriteGate gate;

  /** @param archive history older than the local change log (for a rollback past it), or {@code null} */
  public Writes(MvccStore store, PrefixSchemas schemas, ValueCipher cipher, Durability durability,
                ArchivedHistory archive) {
    this(store, schemas, cipher, durability, archive, WriteGate.OPEN);
  }

  /** @param gate whether this node commits writes ({@link WriteGate#OPEN} when it runs alone) */
  public Writes(MvccStore store, PrefixSchemas schemas, ValueCipher cipher, Durability durability,
                ArchivedHistory archive, WriteGate gate) {
    this.store = store;
    this.schemas = schemas;
    this.cipher = cipher;
    this.durability = durability;
    this.archive = archive;
    this.gate = gate;
  }

  // ---- keys -----------------------------------------------------------------------------------

  /**
   * Puts the JSON {@code value} (already checked to be one JSON value) on {@code key}.
   *
   * @param sync whether to answer only once the write is durable ({@code durability=sync})
   */
  public Future<MvccStore.WriteResult> put(String key, byte[] value, Precondition precondition, String by,
      boolean sync) {
    if (!schemasLoaded()) {
      return whenSchemasLoaded().compose(v -> put(key, value, precondition, by, sync));
    }
    if (value.length >= VALIDATE_OFF_LOOP_BYTES && schemas.applies(key)) {
      return offLoop(() -> admitted(key, value)).compose(stored -> commitPut(key, stored, precondition, by, sync));
    }
    byte[] stored;
    try {
      stored = admitted(key, value);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return commitPut(key, stored, precondition, by, sync);
  }

  private Future<MvccStore.WriteResult> commitPut(String key, byte[] stored, Precondition precondition, String by,
      boolean sync) {
    MvccStore.WriteResult written;
    try {
      admitWrite();
      written = store.put(key, stored, precondition, by);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return durable(written, written.entry().revision(), sync);
  }

  /** Deletes {@code key}; completes with the delete marker, or {@code null} when there was no such key. */
  public Future<Entry> delete(String key, Precondition precondition, String by, boolean sync) {
    Entry marker;
    try {
      admitWrite();
      marker = store.delete(key, precondition, by);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return marker == null ? Future.succeededFuture() : durable(marker, marker.revision(), sync);
  }

  /**
   * Runs {@code txn} atomically at one revision. Every put of both branches is admitted first,
   * since which branch runs is only known under the store's lock: a txn that carries an invalid
   * put is refused whole, whatever its compares would say.
   */
  public Future<Txn.Result> txn(Txn.Request txn, String by, boolean sync) {
    return txn(txn, by, sync, Long.MAX_VALUE, result -> result);
  }

  /**
   * As {@link #txn(Txn.Request, String, boolean)}, with the gets of the branch that runs reading
   * at most {@code maxReadBytes} ({@code StoreException.TxnReadsTooLarge} otherwise, nothing
   * changed), and {@code render} applied to the result as soon as it is committed, before the
   * durability wait: the caller knows what its answer holds while it waits.
   */
  public <T> Future<T> txn(Txn.Request txn, String by, boolean sync, long maxReadBytes,
      Function<Txn.Result, T> render) {
    return whenSchemasLoaded().compose(v -> {
      long checkedBytes = 0;
      for (List<Txn.Op> branch : List.of(txn.success(), txn.failure())) {
        for (Txn.Op op : branch) {
          if (op.type() == Txn.OpType.PUT && schemas.applies(op.key())) {
            checkedBytes += op.value().length;
          }
        }
      }
      Callable<Txn.Request> admit = () -> new Txn.Request(txn.compare(), admitted(txn.success()),
          admitted(txn.failure()));
      return checkedBytes >= VALIDATE_OFF_LOOP_BYTES ? offLoop(admit) : now(admit);
    }).compose(admitted -> {
      Txn.Result result;
      try {
        admitWrite();
        result = store.txn(admitted, by, maxReadBytes);
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      return durable(render.apply(result), result.revision(), sync);
    });
  }

  /**
   * Sets {@code key} back to its state at {@code toRevision}: a put of the value it had then
   * (opened and admitted again, so it is checked and encrypted as the key's rules are now), or a
   * delete when it did not exist then. Completes with the revision written (the store revision
   * when there was nothing to delete).
   *
   * @return fails with {@link Unrestorable} when the old value cannot be written again
   */
  public Future<Long> rollback(String key, long toRevision, String by, boolean sync) {
    Future<Entry> then;
    try {
      then = ArchivedHistory.entryAt(store, archive, key, toRevision);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return then.compose(old -> {
      if (old == null) {
        admitWrite();
        Entry marker = store.delete(key, Precondition.NONE, by);
        long revision = marker == null ? store.revision() : marker.revision();
        return durable(revision, revision, sync);
      }
      byte[] value = cipher.open(key, old.value());
      if (JsonValues.startsWithByteOrderMark(value)) {
        // Stored before such values were refused: it would not be served as valid JSON.
        throw new Unrestorable("the value of " + key + " at revision " + toRevision
            + " starts with a UTF-8 byte-order mark and cannot be restored; PUT it without one");
      }
      return put(key, value, Precondition.NONE, by, sync).map(written -> written.entry().revision());
    });
  }

  // ---- schemas --------------------------------------------------------------------------------

  /**
   * Puts the JSON Schema of {@code prefix}, stored under {@link SystemKeys#SCHEMAS}; the registry
   * that enforces it follows the commit.
   *
   * @return fails with {@code InvalidSchema} unless {@code schema} is a draft 2020-12 schema
   */
  public Future<MvccStore.WriteResult> putSchema(String prefix, byte[] schema, Precondition precondition, String by,
      boolean sync) {
    MvccStore.WriteResult written;
    try {
      schemas.compiler().compile(prefix, schema);
      admitWrite();
      written = store.put(SystemKeys.SCHEMAS + prefix, schema, precondition, by);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return durable(written, written.entry().revision(), sync);
  }

  /** Deletes the schema of {@code prefix}; completes with the delete marker, or {@code null} when there was none. */
  public Future<Entry> deleteSchema(String prefix, Precondition precondition, String by, boolean sync) {
    return delete(SystemKeys.SCHEMAS + prefix, precondition, by, sync);
  }

  // ---- tokens and the server's own records ----------------------------------------------------

  /**
   * Stores a token's record; completes with its revision. Token writes are acknowledged once local
   * (never {@code sync}): failing the answer after the commit would lose the secret, which only the
   * answer shows. A colliding id (2^-64) is refused rather than overwriting another token.
   */
  public Future<Long> createToken(TokenRegistry.Issued token) {
    try {
      admitWrite();
      return Future.succeededFuture(store.put(token.key(), token.record(), Precondition.ABSENT,
          token.token().createdBy()).entry().revision());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Revokes the token {@code id}; completes with the revision, or 0 when there is no such token. Never sync. */
  public Future<Long> revokeToken(String id, String by) {
    try {
      admitWrite();
      String key = TokenRegistry.recordKey(id);
      Entry marker = key == null ? null : store.delete(key, Precondition.NONE, by);
      return Future.succeededFuture(marker == null ? 0L : marker.revision());
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Records the encryption marker ({@link ValueCipher#checkStore}) at start-up, before serving:
   * not subject to durability admission (no client is there to retry; refusing would stop the
   * server from starting) and acknowledged once local.
   *
   * @return the revision written
   */
  public long recordEncryptionMarker(byte[] marker) {
    return store.put(ValueCipher.MARKER_KEY, marker, Precondition.NONE, SYSTEM).entry().revision();
  }

  // ---- the steps ------------------------------------------------------------------------------

  /** This node commits writes ({@link WriteGate}) and its durability takes one more. */
  private void admitWrite() {
    gate.admit();
    durability.admitWrite();
  }

  /**
   * The bytes to store for {@code value} (JSON) on {@code key}: checked against the schemas of its
   * prefixes, then sealed when its prefix is encrypted. Without an applicable schema this is a map
   * lookup per key segment.
   *
   * @throws io.ssot.schema.SchemaViolation when the value breaks a schema
   */
  private byte[] admitted(String key, byte[] value) {
    schemas.check(key, value);
    return cipher.seal(key, value);
  }

  private List<Txn.Op> admitted(List<Txn.Op> ops) {
    List<Txn.Op> out = new ArrayList<>(ops.size());
    for (Txn.Op op : ops) {
      out.add(op.type() == Txn.OpType.PUT ? new Txn.Op(op.type(), op.key(), admitted(op.key(), op.value())) : op);
    }
    return out;
  }

  /** Completes with {@code result} once {@code revision} is as durable as asked. */
  private <T> Future<T> durable(T result, long revision, boolean sync) {
    if (!sync) {
      return Future.succeededFuture(result);
    }
    return durability.sync(revision).transform(ar -> ar.succeeded() ? Future.succeededFuture(result)
        : Future.failedFuture(new NotDurable(revision, ar.cause())));
  }

  /** The stored schemas are loaded: at once, except in the first moments after a start. */
  private boolean schemasLoaded() {
    var ready = schemas.ready();
    return ready.isDone() && !ready.isCompletedExceptionally();
  }

  private Future<Void> whenSchemasLoaded() {
    return schemasLoaded() ? Future.succeededFuture()
        : Future.fromCompletionStage(schemas.ready(), Vertx.currentContext());
  }

  private static <T> Future<T> offLoop(Callable<T> work) {
    return Vertx.currentContext().executeBlocking(work, false);
  }

  private static <T> Future<T> now(Callable<T> work) {
    try {
      return Future.succeededFuture(work.call());
    } catch (Exception e) {
      return Future.failedFuture(e);
    }
  }
}
