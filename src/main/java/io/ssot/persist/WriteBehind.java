package io.ssot.persist;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.ssot.http.Tracing;
import io.ssot.store.Commit;
import io.ssot.store.MvccStore;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the change log (the outbox) to PostgreSQL in revision order, behind a circuit breaker.
 * One transaction is in flight at a time and each takes every revision committed since the last
 * one (up to a bound): one revision when idle, for low lag; thousands under load, for throughput.
 * The high-water mark ({@link #persistedRevision()}) is written in the same transaction, so a
 * restart continues exactly after the last batch Postgres committed.
 *
 * <p>In cluster mode each batch is fenced: written under the term this node leads
 * ({@link #writeAs}), which PostgreSQL checks inside the batch's transaction; nothing is written
 * before the node first leads, and a batch refused because another node has taken over stops the
 * write-behind for good ({@link #halted()}). A follower's revisions come from PostgreSQL, and it
 * marks them persisted ({@link #markPersisted}) before applying them, so none is written back.
 *
 * <p>All state is confined to one event-loop context, but the high-water mark, which a follower
 * advances from its worker thread.
 */
public final class WriteBehind {

  private static final Logger LOG = LoggerFactory.getLogger(WriteBehind.class);

  private record Waiter(long revision, Promise<Void> done) {
  }

  private final Vertx vertx;
  private final Context context;
  private final MvccStore store;
  private final PgWriter writer;
  private final CircuitBreaker breaker;
  private final int maxBatch;
  private final Timer lag;
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final PriorityQueue<Waiter> waiters = new PriorityQueue<>((a, b) -> Long.compare(a.revision, b.revision));
  private volatile long persisted;
  private final List<LongConsumer> persistedListeners = new CopyOnWriteArrayList<>();
  private boolean inFlight;
  private boolean retryPending;
  private volatile String lastError;
  private volatile boolean stopped;
  /** Why the write-behind stopped for good (a revision it cannot read); null while it goes on. */
  private volatile String halted;
  /** Cluster mode: batches are fenced by {@link #term}, and none is written while it is 0. */
  private final boolean fenced;
  /** The cluster term this node writes under (the last it led); 0 until it first leads. */
  private volatile long term;

  /** Set once at start-up when tracing is on, read by the drain on the event loop. */
  private volatile Tracing tracing;

  /**
   * @param batchTimeout a batch not committed within it counts as a failure for the circuit: the
   *                     sync writes waiting on it fail then anyway, and a PostgreSQL that does not
   *                     answer at all (a partition) must open the circuit, not hang the drain
   */
  public WriteBehind(Vertx vertx, MvccStore store, Pool pool, long persistedRevision, int maxBatch,
                     Duration batchTimeout, Duration circuitReset, MeterRegistry registry) {
    this(vertx, store, pool, persistedRevision, maxBatch, batchTimeout, circuitReset, registry, false);
  }

  /** @param fenced cluster mode: write only as leader, under its term ({@link #writeAs}) */
  public WriteBehind(Vertx vertx, MvccStore store, Pool pool, long persistedRevision, int maxBatch,
                     Duration batchTimeout, Duration circuitReset, MeterRegistry registry, boolean fenced) {
    this.fenced = fenced;
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.store = store;
    this.writer = new PgWriter(pool);
    this.persisted = persistedRevision;
    this.maxBatch = maxBatch;
    this.breaker = CircuitBreaker.create("postgres", vertx, new CircuitBreakerOptions()
        .setMaxFailures(3).setTimeout(batchTimeout.toMillis()).setResetTimeout(circuitReset.toMillis()));
    this.lag = Timer.builder("ssot_writebehind_lag").description("Commit to PostgreSQL commit, per revision")
        .publishPercentiles(0.5, 0.99).register(registry);
    store.addCommitListener(rev -> schedule());
    schedule();
  }

  /** Traces each batch from now on (otel.endpoint). */
  public void trace(Tracing tracing) {
    this.tracing = tracing;
  }

  private void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        scheduled.set(false);
        drain();
      });
    }
  }

  private void drain() {
    if (inFlight || retryPending || stopped || halted != null || (fenced && term == 0)) {
      return;
    }
    long from = persisted + 1;
    long to = Math.min(store.revision(), persisted + maxBatch);
    if (to < from) {
      return;
    }
    List<Commit> batch = new ArrayList<>((int) (to - from + 1));
    for (long r = from; r <= to; r++) {
      Commit c;
      try {
        c = store.commitAt(r);
      } catch (RuntimeException e) {
        halt("revision " + r + " cannot be read from the change log (" + e + ")");
        return;
      }
      if (c == null) {
        halt("revision " + r + " is missing from the change log, which starts at revision " + store.compactRevision());
        return;
      }
      batch.add(c);
    }
    inFlight = true;
    long batchTerm = term;
    Tracing tracing = this.tracing;
    breaker.<Void>execute(promise -> (tracing == null ? writer.write(batch, batchTerm)
            : tracing.batch(batch.size(), () -> writer.write(batch, batchTerm))).onComplete(promise))
        .onComplete(ar -> {
          inFlight = false;
          if (ar.succeeded()) {
            long now = System.currentTimeMillis();
            for (Commit c : batch) {
              lag.record(Math.max(0, now - c.timestamp()), TimeUnit.MILLISECONDS);
            }
            advance(to);
            lastError = null;
            release();
            persistedListeners.forEach(l -> l.accept(to));
            drain();
          } else if (ar.cause() instanceof PgWriter.Fenced f && term == f.term) {
            // Another node leads now: what this one committed since it was deposed is not the
            // cluster's history and must never land. (A batch of an older term of this same node,
            // which has since led again, is simply made again under the new term below.)
            halt("the batch of revisions " + from + ".." + to + " was " + f.getMessage());
          } else {
            lastError = String.valueOf(ar.cause().getMessage());
            LOG.warn("Write-behind of revisions {}..{} failed (circuit {}): {}", from, to, breaker.state(), lastError);
            retryLater();
          }
        });
  }

  /**
   * Stops writing behind for good: the revision will not come back, and no later one may be
   * written before it. Compaction is pinned at the high-water mark, so this is a broken
   * invariant (a compaction that was not pinned, a damaged change log), not load. Said once, here
   * and by {@link #halted()} for readiness; the outbox keeps growing up to its bound.
   */
  private void halt(String reason) {
    halted = reason + "; PostgreSQL stays at revision " + persisted + " and the write-behind has stopped";
    lastError = halted;
    LOG.error("Write-behind stopped: {}", halted);
  }

  private synchronized void advance(long revision) {
    if (revision > persisted) {
      persisted = revision;
    }
  }

  /**
   * Cluster mode: from now on, batches are written as leader of {@code term} (this node has just
   * taken over, and its store holds every revision PostgreSQL has).
   */
  public void writeAs(long term) {
    this.term = term;
    schedule();
  }

  /** The cluster term batches are written under; 0 before this node first led. */
  public long term() {
    return term;
  }

  /**
   * Cluster mode, a follower: {@code revision} is in PostgreSQL (read from it), so it is not to be
   * written. Called before the revision is applied to the store, so no drain ever sees it pending.
   */
  public void markPersisted(long revision) {
    advance(revision);
    context.runOnContext(v -> release());
  }

  private void retryLater() {
    retryPending = true;
    long delay = breaker.state() == CircuitBreakerState.OPEN ? 500 : 100;
    vertx.setTimer(delay, id -> context.runOnContext(v -> {
      retryPending = false;
      drain();
    }));
  }

  private void release() {
    while (!waiters.isEmpty() && waiters.peek().revision <= persisted) {
      waiters.poll().done.tryComplete();
    }
  }

  /**
   * Fails every wait for a revision PostgreSQL has not confirmed, at once rather than at its
   * timeout: a cluster leader that steps down cannot tell whether its pending batches will land
   * (they do unless another node has taken over meanwhile), and its callers should know now.
   */
  public void abandonWaits(String reason) {
    context.runOnContext(v -> {
      while (!waiters.isEmpty()) {
        Waiter w = waiters.poll();
        w.done.tryFail("PostgreSQL has not confirmed revision " + w.revision + " and " + reason
            + ": it may or may not be written there; read the key before retrying");
      }
    });
  }

  /**
   * Tells {@code listener} each new high-water mark once PostgreSQL has committed it, on the
   * write-behind's event loop (it must not block): what a cluster's leader publishes to followers.
   */
  public void addPersistedListener(LongConsumer listener) {
    persistedListeners.add(listener);
  }

  /** Completes when {@code revision} is committed in PostgreSQL; fails after {@code timeout}. */
  public Future<Void> persisted(long revision, Duration timeout) {
    if (revision <= persisted) {
      return Future.succeededFuture();
    }
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (revision <= persisted) {
        done.tryComplete();
        return;
      }
      Waiter w = new Waiter(revision, done);
      waiters.add(w);
      long timer = vertx.setTimer(timeout.toMillis(), id -> context.runOnContext(x -> {
        waiters.remove(w);
        done.tryFail("PostgreSQL has not committed revision " + revision + " within " + timeout.toMillis() + " ms"
            + (lastError == null ? "" : ": " + lastError));
      }));
      done.future().onSuccess(x -> vertx.cancelTimer(timer));
    });
    return done.future();
  }

  /** Every revision up to this one is in PostgreSQL. */
  public long persistedRevision() {
    return persisted;
  }

  /** Revisions committed locally and not yet in PostgreSQL. */
  public long outboxDepth() {
    return Math.max(0, store.revision() - persisted);
  }

  public String circuitState() {
    return breaker.state().name().toLowerCase(java.util.Locale.ROOT);
  }

  public boolean circuitOpen() {
    return breaker.state() == CircuitBreakerState.OPEN;
  }

  public String lastError() {
    return lastError;
  }

  /** Why the write-behind stopped for good, or {@code null} while it goes on. */
  public String halted() {
    return halted;
  }

  /**
   * At shutdown: lets the outbox drain for up to {@code timeout}, then stops writing (what is
   * left stays in the local outbox for the next start). Completes either way.
   */
  public Future<Void> stop(Duration timeout) {
    long target = store.revision();
    return persisted(target, timeout).recover(e -> {
      LOG.warn("Stopping with {} revisions not yet in PostgreSQL; they stay in the local outbox", outboxDepth());
      return Future.succeededFuture();
    }).andThen(ar -> stopped = true);
  }
}
