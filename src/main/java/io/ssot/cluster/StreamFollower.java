package io.ssot.cluster;

import io.ssot.store.Commit;
import io.ssot.store.CommitCodec;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a follower: reads the Redis stream from the revision the store has applied ({@code XREAD
 * BLOCK}) and applies each commit through {@link MvccStore#apply}, so the change log, watches
 * and history see it as a local commit at the same revision. Whenever the stream cannot give the
 * next revision (an entry that does not follow, a trimmed stream, an entry that does not decode,
 * a Redis error, Redis down) it asks {@link CatchUp} to read PostgreSQL and goes on from the
 * store's revision afterwards; after a Redis error it reconnects with backoff. A revision the
 * store already holds (PostgreSQL's catch-up was first) is skipped, never applied twice; only
 * revisions the leader published, which PostgreSQL already holds, are applied.
 *
 * <p>All state is confined to one event-loop context; {@code apply} is the store's commit path
 * (memory-mapped, no I/O wait), as a local write is.
 */
public final class StreamFollower {

  private static final Logger LOG = LoggerFactory.getLogger(StreamFollower.class);
  /** Entries per XREAD: bounds one answer's memory and the time one round holds the event loop. */
  private static final int MAX_ENTRIES = 512;
  /** How much longer than its BLOCK an XREAD may take before the connection counts as dead (a partition). */
  private static final long ANSWER_GRACE_MILLIS = 5000;

  private final Vertx vertx;
  private final Context context;
  private final MvccStore store;
  private final RedisLink link;
  private final String key;
  private final CatchUp catchUp;
  private final Persisted persisted;
  private final Consumer<Commit> applied;
  private final long blockMillis;
  private final Backoff backoff = new Backoff(100, 2000);
  private final AtomicLong appliedFromStream = new AtomicLong();
  private final AtomicLong catchUps = new AtomicLong();
  private boolean stopped;
  private volatile boolean failing;

  /**
   * @param block how long one XREAD waits for new entries; a dead connection is noticed within it
   *              plus a grace
   */
  public StreamFollower(Vertx vertx, MvccStore store, String redisUrl, String clusterName, CatchUp catchUp,
                        Duration block) {
    this(vertx, store, redisUrl, clusterName, catchUp, block, Persisted.ALL, commit -> { });
  }

  /**
   * @param persisted what the node's write-behind knows of PostgreSQL: the stream only extends a
   *                  store that holds nothing PostgreSQL lacks
   * @param applied   told of each commit applied from the stream, after the store holds it
   */
  public StreamFollower(Vertx vertx, MvccStore store, String redisUrl, String clusterName, CatchUp catchUp,
                        Duration block, Persisted persisted, Consumer<Commit> applied) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.store = store;
    this.link = new RedisLink(vertx, context, redisUrl);
    this.key = CommitStream.key(clusterName);
    this.catchUp = catchUp;
    this.persisted = persisted;
    this.applied = applied;
    this.blockMillis = block.toMillis();
  }

  /** A cluster node's write-behind, as far as the stream's follower needs it. */
  public interface Persisted {

    /** A store on its own: everything it holds counts as in PostgreSQL. */
    Persisted ALL = new Persisted() {
      @Override
      public long persistedRevision() {
        return Long.MAX_VALUE;
      }

      @Override
      public void markPersisted(long revision) {
      }
    };

    /** Every revision up to this one is in PostgreSQL. */
    long persistedRevision();

    /** {@code revision}, published by the leader, is in PostgreSQL: it is not to be written behind again. */
    void markPersisted(long revision);
  }

  public void start() {
    context.runOnContext(v -> read());
  }

  /** Commits applied from the stream (not from PostgreSQL), for metrics and tests. */
  public long appliedFromStream() {
    return appliedFromStream.get();
  }

  /** Catch-ups asked for, for metrics and tests. */
  public long catchUps() {
    return catchUps.get();
  }

  /** Whether the last attempt to read the stream failed (Redis down or unreachable). */
  public boolean failing() {
    return failing;
  }

  private void read() {
    if (stopped) {
      return;
    }
    long from = store.revision();
    link.connected().compose(c -> xread(c, from)).onComplete(ar -> {
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        redisFailed(ar.cause());
        return;
      }
      backoff.reset();
      if (failing) {
        LOG.info("Following the Redis stream {} again from revision {}", key, from);
        failing = false;
      }
      boolean inOrder;
      try {
        inOrder = applyAll(ar.result());
      } catch (RuntimeException e) { // an answer of another shape, a store that refuses (disk full)
        LOG.warn("Cannot apply from the Redis stream {}: {}", key, e.toString());
        catchUpThenRead(true);
        return;
      }
      if (inOrder) {
        read();
      } else {
        catchUpThenRead(false);
      }
    });
  }


  /** The XREAD answer, or a failure when none comes within the block plus a grace (a partition sends nothing). */
  private Future<Response> xread(RedisConnection c, long after) {
    return CommitStream.within(vertx, c.send(Request.cmd(Command.XREAD).arg("COUNT").arg(MAX_ENTRIES)
        .arg("BLOCK").arg(blockMillis).arg("STREAMS").arg(key).arg(CommitStream.id(after))),
        blockMillis + ANSWER_GRACE_MILLIS);
  }

  /**
   * Applies the entries of one XREAD answer (null: none came within the block) in order.
   *
   * @return false when the stream cannot give the next revision: PostgreSQL must
   */
  private boolean applyAll(Response answer) {
    if (answer == null) {
      return true;
    }
    Response entries = answer.isMap() ? answer.get(key) : answer.get(0).get(1);
    for (Response entry : entries) {
      Commit commit = decode(entry);
      if (commit == null) {
        return false;
      }
      long next = store.revision() + 1;
      if (commit.revision() < next) {
        continue; // PostgreSQL's catch-up applied it first
      }
      if (commit.revision() > next) {
        LOG.debug("The Redis stream {} goes on at revision {}, the store needs {}: catching up from PostgreSQL",
            key, commit.revision(), next);
        return false;
      }
      if (persisted.persistedRevision() < store.revision()) {
        // Revisions of its own that PostgreSQL has not confirmed (a deposed leader's): PostgreSQL
        // decides whether they are the cluster's, never the stream.
        return false;
      }
      try {
        persisted.markPersisted(commit.revision());
        store.apply(commit);
        appliedFromStream.incrementAndGet();
        applied.accept(commit);
      } catch (StoreException.RevisionRepeated e) {
        // applied by the catch-up between the check and here
      } catch (StoreException.RevisionGap e) {
        return false;
      }
    }
    return true;
  }

  /** The commit of one stream entry, or null (logged) when the entry is not one this server wrote. */
  private Commit decode(Response entry) {
    String id = entry.get(0).toString();
    try {
      Response fields = entry.get(1);
      long revision = -1;
      byte[] bytes = null;
      for (int i = 0; i + 1 < fields.size(); i += 2) {
        String name = fields.get(i).toString();
        if (name.equals(CommitStream.REVISION_FIELD)) {
          revision = Long.parseLong(fields.get(i + 1).toString());
        } else if (name.equals(CommitStream.COMMIT_FIELD)) {
          bytes = fields.get(i + 1).toBytes();
        }
      }
      Commit commit = bytes == null ? null : CommitCodec.decode(ByteBuffer.wrap(bytes));
      if (commit == null || commit.revision() != revision || !id.equals(CommitStream.id(revision))) {
        throw new IllegalArgumentException("fields r and c do not hold the same revision as the id");
      }
      return commit;
    } catch (RuntimeException e) {
      LOG.warn("Entry {} of the Redis stream {} is no commit ({}): catching up from PostgreSQL", id, key, e.toString());
      return null;
    }
  }

  private void redisFailed(Throwable cause) {
    link.discard();
    if (!failing) {
      LOG.warn("Cannot read the Redis stream {} ({}): following PostgreSQL until it answers again", key,
          cause.getMessage());
      failing = true;
    }
    catchUpThenRead(true);
  }

  /**
   * Lets PostgreSQL bring the store up to date, then reads the stream on from the store's revision;
   * after a Redis failure, or a catch-up that did not move the store, only after a backoff.
   */
  private void catchUpThenRead(boolean afterFailure) {
    long before = store.revision();
    catchUps.incrementAndGet();
    Future<Long> caughtUp;
    try {
      caughtUp = catchUp.now();
    } catch (RuntimeException e) {
      caughtUp = Future.failedFuture(e);
    }
    caughtUp.onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        LOG.warn("Catching up from PostgreSQL failed: {}", ar.cause().getMessage());
      }
      if (afterFailure || ar.failed() || store.revision() == before) {
        vertx.setTimer(backoff.nextMillis(), id -> context.runOnContext(w -> read()));
      } else {
        read();
      }
    }));
  }



  /** Stops following (this node becomes the leader, or shuts down). */
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      link.close();
      done.complete();
    });
    return done.future();
  }
}
