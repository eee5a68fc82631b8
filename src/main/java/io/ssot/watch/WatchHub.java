package io.ssot.watch;

import io.ssot.protocol.Problem;
import io.ssot.security.ValueCipher;
import io.ssot.store.Commit;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Delivers changes to watches. Watches pull: each holds the next revision it needs and the
 * pump of its event loop reads commits from the store in order, so a resumed watch replays
 * from the change log and then follows live commits without a gap, duplicate or reorder.
 * Each commit's events are encoded once and shared by every watch.
 */
public final class WatchHub {

  private static final int ENCODED_CACHE = 512;
  /** Larger commits are not kept in the cache, so it stays under 32 MiB; see {@link #lastLarge}. */
  private static final int CACHEABLE_BYTES = 64 << 10;

  private final Vertx vertx;
  private final MvccStore store;
  private final ValueCipher cipher;
  private final long progressIntervalMillis;
  private final long slowConsumerGraceMillis;
  private final Map<Context, ContextWatches> contexts = new ConcurrentHashMap<>();
  private final AtomicReferenceArray<EncodedCommit> encoded = new AtomicReferenceArray<>(ENCODED_CACHE);
  /** The last large commit encoded, so that its watchers on every event loop share one copy. */
  private final AtomicReference<EncodedCommit> lastLarge = new AtomicReference<>();
  private final long queueBytes;
  private final WatchOutputBudget outputBudget;
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicLong slowConsumers = new AtomicLong();
  private volatile boolean shuttingDown;
  /** With {@link #tellOnlyUpTo}: the last revision watches may be told of, beside the store's. */
  private volatile LongSupplier tellable;
  private final RevisionWaits revisionWaits;
  private final ConnectedClients clients;

  /**
   * @param cipher       opens values encrypted at rest as events are encoded
   * @param queueBytes   unwritten bytes one connection may hold ({@code watch.maxQueueBytes})
   * @param outputBudget unwritten bytes all watch connections together may hold
   */
  public WatchHub(Vertx vertx, MvccStore store, ValueCipher cipher, long progressIntervalMillis,
                  long slowConsumerGraceMillis, long queueBytes, WatchOutputBudget outputBudget) {
    this.vertx = vertx;
    this.queueBytes = queueBytes;
    this.outputBudget = outputBudget;
    this.store = store;
    this.cipher = cipher;
    this.progressIntervalMillis = progressIntervalMillis;
    this.slowConsumerGraceMillis = slowConsumerGraceMillis;
    store.addCommitListener(this::onCommit);
    this.revisionWaits = new RevisionWaits(vertx, store);
    this.clients = new ConnectedClients(vertx, store, cipher);
  }

  /** The open watch WebSockets, their clients' names and acks ({@code GET /v1/clients}). */
  public ConnectedClients clients() {
    return clients;
  }

  /** Requests waiting for this node to apply a revision ({@code ?minRevision}). */
  public RevisionWaits revisionWaits() {
    return revisionWaits;
  }

  /**
   * Cluster mode: watches are told of a revision only once {@code revision} (PostgreSQL's) has
   * reached it, on the leader as on followers (which apply nothing else). A leader's local commit
   * that never reaches PostgreSQL (it was deposed or killed first) is thus never told: a watcher
   * resuming on another node from its last revision misses none of the new leader's revisions.
   * Call {@link #tellableAdvanced} when it moves.
   */
  public void tellOnlyUpTo(LongSupplier revision) {
    this.tellable = revision;
  }

  /** The revision {@link #tellOnlyUpTo} names has moved on. Safe from any thread. */
  public void tellableAdvanced() {
    onCommit(0);
  }

  /** The last revision watches are told of: the store's, or less in cluster mode ({@link #tellOnlyUpTo}). */
  public long tellableRevision() {
    long applied = store.revision();
    LongSupplier limit = tellable;
    return limit == null ? applied : Math.min(applied, limit.getAsLong());
  }

  private void onCommit(long revision) {
    for (ContextWatches cw : contexts.values()) {
      if (!cw.isEmpty()) {
        cw.schedule();
      }
    }
  }

  /**
   * Opens a watch on the calling event loop from {@code fromRevision} (inclusive; 0 for the
   * next revision).
   *
   * @throws StoreException.Compacted when {@code fromRevision} is below the compact revision
   */
  public Watch open(String id, WatchFilter filter, long fromRevision, WatchSink sink) {
    long next = fromRevision > 0 ? fromRevision : tellableRevision() + 1;
    long compactRevision = store.compactRevision();
    if (next < compactRevision) {
      throw new StoreException.Compacted(next, compactRevision);
    }
    ContextWatches home = home();
    Watch watch = new Watch(id, filter, next, sink, home);
    home.add(watch);
    open.incrementAndGet();
    if (shuttingDown) {
      // Ended on its event loop once the caller has set it up (a WebSocket has confirmed it).
      home.context.runOnContext(v -> endForShutdown(watch));
    }
    return watch;
  }

  /**
   * The server is stopping: ends every watch with {@code shutting-down} and the last revision it
   * delivered, from which its client resumes after the restart or on another node, so that no
   * watch holds the server to its shutdown timeout. A long-poll is answered with the key as it
   * is (304 when unchanged). A watch opened from now on ends at once. A read waiting for a
   * revision gets 503, to read on another node.
   */
  public void shutdown() {
    shuttingDown = true;
    revisionWaits.shutdown();
    for (ContextWatches cw : contexts.values()) {
      cw.context.runOnContext(v -> cw.forEach(this::endForShutdown));
    }
  }

  private void endForShutdown(Watch watch) {
    if (!watch.closed) {
      end(watch, Problem.SHUTTING_DOWN, watch.lastRevision());
    }
  }

  private ContextWatches startContext(Context context) {
    ContextWatches cw = new ContextWatches(this, context);
    context.runOnContext(v -> vertx.setPeriodic(progressIntervalMillis, id -> cw.progressTick()));
    return cw;
  }

  /** Closes a watch (client cancel or disconnect); idempotent. */
  public void close(Watch watch) {
    if (!watch.closed) {
      watch.closed = true;
      watch.home.remove(watch);
      open.decrementAndGet();
    }
  }

  /**
   * Long-poll: completes when a change of {@code key} at or after {@code fromRevision} is
   * committed, or fails with a timeout after {@code timeoutMillis}, or with the failure of
   * {@code cancel} (a revoked token); the caller reads the key again.
   */
  public Future<Void> awaitChange(String key, long fromRevision, long timeoutMillis, Future<Void> cancel) {
    Promise<Void> changed = Promise.promise();
    Watch[] holder = new Watch[1];
    WatchSink sink = new WatchSink() {
      @Override
      public boolean events(Watch watch, long revision, EventsPayload events) {
        close(watch);
        changed.tryComplete();
        return true;
      }

      @Override
      public void progress(Watch watch, long revision) {
      }

      @Override
      public void error(Watch watch, Problem problem, long revision) {
        changed.tryComplete();
      }

      @Override
      public void onDrain(Runnable action) {
      }

      @Override
      public boolean stuckSince(long nanoTime) {
        return false;
      }
    };
    holder[0] = open("long-poll", WatchFilter.key(key), fromRevision, sink);
    long timer = vertx.setTimer(Math.max(1, timeoutMillis), id -> {
      close(holder[0]);
      changed.tryFail(new java.util.concurrent.TimeoutException());
    });
    cancel.onFailure(changed::tryFail);
    return changed.future().andThen(ar -> {
      vertx.cancelTimer(timer);
      close(holder[0]);
    });
  }

  /**
   * Completes when the connection of {@code request} has room for one more answer (its watch
   * output is at most half full), so that long-polls answered at once on a connection whose
   * client does not read wait there, holding nothing, instead of each queueing its answer.
   */
  public Future<Void> roomFor(HttpServerRequest request) {
    return home().output(request.connection()).room();
  }

  /** Writes {@code answer} (a long-poll's) and counts its bytes on its connection until written. */
  public Future<Void> counted(HttpServerRequest request, Supplier<Future<Void>> answer) {
    ConnectionOutput output = home().output(request.connection());
    Future<Void> written = answer.get();
    output.count(request.response().bytesWritten(), written);
    return written;
  }

  /**
   * Sends a large plain answer (a GET of a large value, a list or history page) through the
   * output of its connection, so that a client that does not read cannot make the server hold
   * its answers: Vert.x holds what an HTTP/2 stream's flow-control window refuses, however many
   * streams. The answer waits, holding nothing, until the connection has room (its output at
   * most half full); then {@code answer} builds and writes it while {@code reserve} bytes (its
   * most) are held in the server-wide budget, exchanged for its actual size once written.
   * Completes with false, nothing written, when that budget has no room: the caller refuses.
   */
  public Future<Boolean> sendLarge(HttpServerRequest request, long reserve, Supplier<Future<Void>> answer) {
    return sendLarge(request, reserve, answer, () -> reserve);
  }

  /**
   * As {@link #sendLarge(HttpServerRequest, long, Supplier)}, for an answer that may be built
   * before it can be sent (a txn's, which waits for durability): {@code built} gives the bytes
   * it holds while unsent, so that only those, not the whole reserve, stay counted meanwhile.
   */
  public Future<Boolean> sendLarge(HttpServerRequest request, long reserve, Supplier<Future<Void>> answer,
      LongSupplier built) {
    ConnectionOutput output = home().output(request.connection());
    return output.room().compose(v -> {
      HttpServerResponse response = request.response();
      if (response.closed()) {
        return Future.succeededFuture(true); // the client left while the answer waited: nothing to send
      }
      boolean sent = output.sendMeasured(reserve, answer,
          () -> response.ended() ? response.bytesWritten() : built.getAsLong());
      return Future.succeededFuture(sent);
    });
  }

  /** Cancels a watch whose connection stayed full for the grace period. */
  void slowConsumer(Watch watch) {
    slowConsumers.incrementAndGet();
    end(watch, Problem.SLOW_CONSUMER, watch.lastRevision());
  }

  void end(Watch watch, Problem problem, long revision) {
    close(watch);
    watch.sink.error(watch, problem, revision);
  }

  EncodedCommit encoded(long revision) {
    int slot = (int) (revision & (ENCODED_CACHE - 1));
    EncodedCommit cached = encoded.get(slot);
    if (cached != null && cached.revision == revision) {
      return cached;
    }
    EncodedCommit large = lastLarge.get();
    if (large != null && large.revision == revision) {
      return large;
    }
    Commit commit = store.commitAt(revision);
    if (commit == null) {
      return null;
    }
    EncodedCommit fresh = new EncodedCommit(commit, cipher);
    if (fresh.size() <= CACHEABLE_BYTES) {
      encoded.set(slot, fresh);
    } else {
      lastLarge.set(fresh);
    }
    return fresh;
  }

  /** A new output for a connection on {@code context}; {@code tls} when it encrypts what it sends. */
  ConnectionOutput newOutput(Context context, boolean tls) {
    return new ConnectionOutput(context, queueBytes, outputBudget, tls);
  }

  /** The output shared by the SSE streams of {@code connection}; on its event loop. */
  ConnectionOutput output(io.vertx.core.http.HttpConnection connection) {
    return home().output(connection);
  }

  /**
   * The watches of the calling event loop. Vert.x runs each request on a duplicate of its event
   * loop's context, so the key is the context it duplicates: one pump and one progress timer
   * per event loop, not one more per request ever served.
   */
  private ContextWatches home() {
    return contexts.computeIfAbsent(((ContextInternal) Vertx.currentContext()).unwrap(), this::startContext);
  }

  MvccStore store() {
    return store;
  }

  long slowConsumerGraceMillis() {
    return slowConsumerGraceMillis;
  }

  public int openWatches() {
    return open.get();
  }

  /** Watch output bytes held now, over all connections. */
  public long queuedBytes() {
    return outputBudget.held();
  }

  public long slowConsumersCancelled() {
    return slowConsumers.get();
  }
}
