package io.ssot.watch;

import io.ssot.http.ApiException;
import io.ssot.http.Params;
import io.ssot.protocol.Problem;
import io.ssot.store.MvccStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Requests waiting until the store has applied a revision ({@code ?minRevision=R}): a follower
 * that has not yet applied a write made elsewhere, or a single node asked for a revision it has
 * not committed yet. One waiter per waiting request, removed when it is answered, times out or
 * its connection closes; the wait is a timer and a promise, never a blocked thread.
 */
public final class RevisionWaits {

  public static final String MIN_REVISION = "minRevision";
  public static final String CONSISTENCY = "consistency";

  /** Where {@code ?consistency=leader} learns the leader's revision. */
  @FunctionalInterface
  public interface LeaderRevision {
    /** The leader's revision now, asked on behalf of {@code request}; within {@code timeoutMillis}. */
    Future<Long> revision(HttpServerRequest request, long timeoutMillis);
  }

  private final Vertx vertx;
  private final MvccStore store;
  /** Waiters by the revision they wait for; guarded by {@code this}. */
  private final TreeMap<Long, List<Waiter>> waiting = new TreeMap<>();
  /** The lowest revision waited for, so that a commit nobody waits for takes no lock. */
  private volatile long lowestWaited = Long.MAX_VALUE;
  private volatile LeaderRevision leaderRevision;
  private volatile boolean stopping;

  public RevisionWaits(Vertx vertx, MvccStore store) {
    this.vertx = vertx;
    this.store = store;
    store.addCommitListener(this::applied);
    this.leaderRevision = (request, timeout) -> Future.succeededFuture(store.revision());
  }

  /** In cluster mode: how a follower learns the leader's revision for {@code ?consistency=leader}. */
  public void leaderRevision(LeaderRevision source) {
    this.leaderRevision = source;
  }

  /**
   * A route handler: goes on at once when the request has no {@code minRevision} or the store has
   * applied it, else when it does; {@code 504 revision-not-applied} after {@code maxWaitMillis}.
   * {@code ?consistency=leader} first learns the leader's revision (this node's own when it leads
   * or runs alone), then waits for it the same way.
   */
  public Handler<RoutingContext> handler(long maxWaitMillis) {
    return ctx -> {
      Params params = new Params(ctx.request());
      long minRevision = params.longIn(MIN_REVISION, 0, 0, Long.MAX_VALUE);
      String consistency = params.get(CONSISTENCY);
      if (consistency != null && !consistency.equals("leader")) {
        throw Params.invalid(CONSISTENCY, "must be leader (or left out for this node's own revision)");
      }
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(maxWaitMillis);
      // Asking the leader counts in the same limits.maxWait as waiting for its revision.
      Future<Void> applied = consistency == null ? await(ctx, minRevision, maxWaitMillis)
          : leaderRevision.revision(ctx.request(), maxWaitMillis).compose(leader -> await(ctx,
              Math.max(minRevision, leader), TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      if (applied.succeeded()) {
        ctx.next();
        return;
      }
      if (applied.failed()) {
        ctx.fail(applied.cause());
        return;
      }
      // Held unread while it waits: a WebSocket upgrade needs a request whose end is not read yet.
      ctx.request().pause();
      applied.onComplete(ar -> {
        ctx.request().resume();
        if (ar.succeeded()) {
          ctx.next();
        } else {
          ctx.fail(ar.cause());
        }
      });
    };
  }

  /**
   * Completes on the caller's context once the store has applied {@code revision} (at once when it
   * has); fails with {@code revision-not-applied} after {@code maxWaitMillis}. The waiter goes
   * away when the request's connection closes.
   */
  public Future<Void> await(RoutingContext ctx, long revision, long maxWaitMillis) {
    if (store.revision() >= revision) {
      return Future.succeededFuture();
    }
    if (stopping) {
      return Future.failedFuture(stopping());
    }
    Context context = vertx.getOrCreateContext();
    Waiter waiter = new Waiter(revision, context, Promise.promise());
    add(waiter);
    // A commit between the check above and the add told nobody: look again.
    if (store.revision() >= revision) {
      remove(waiter);
      return Future.succeededFuture();
    }
    long timer = vertx.setTimer(Math.max(1, maxWaitMillis), t -> {
      remove(waiter);
      long applied = store.revision();
      waiter.promise.tryFail(new ApiException(Problem.REVISION_NOT_APPLIED,
          "this node has applied revision " + applied + ", not yet " + revision + ", within limits.maxWait")
          .with(MIN_REVISION, revision).with("appliedRevision", applied)
          .header("X-SSOT-Revision", Long.toString(applied)));
    });
    // The answer's close, not the connection's: there is one connection closeHandler only, and
    // the connection limit has it. Later handlers may replace this one once the wait is over.
    ctx.response().closeHandler(v -> {
      vertx.cancelTimer(timer);
      remove(waiter);
    });
    return waiter.promise.future().andThen(ar -> vertx.cancelTimer(timer));
  }

  /**
   * The server is stopping: every waiter is answered {@code 503} now, to ask another node, so
   * that none holds the shutdown for {@code limits.maxWait}; later ones at once.
   */
  public void shutdown() {
    stopping = true;
    List<Waiter> all = new ArrayList<>();
    synchronized (this) {
      waiting.values().forEach(all::addAll);
      waiting.clear();
      lowestWaited = Long.MAX_VALUE;
    }
    for (Waiter w : all) {
      w.context.runOnContext(v -> w.promise.tryFail(stopping()));
    }
  }

  private static ApiException stopping() {
    return new ApiException(Problem.UNAVAILABLE, "this node is stopping; read at this revision from another node")
        .header("Retry-After", "1");
  }

  /** Waiters now waiting, for tests and metrics. */
  public synchronized int waiting() {
    int n = 0;
    for (List<Waiter> list : waiting.values()) {
      n += list.size();
    }
    return n;
  }

  private synchronized void add(Waiter waiter) {
    waiting.computeIfAbsent(waiter.revision, r -> new ArrayList<>(1)).add(waiter);
    lowestWaited = waiting.firstKey();
  }

  private synchronized void remove(Waiter waiter) {
    List<Waiter> list = waiting.get(waiter.revision);
    if (list != null && list.remove(waiter) && list.isEmpty()) {
      waiting.remove(waiter.revision);
    }
    lowestWaited = waiting.isEmpty() ? Long.MAX_VALUE : waiting.firstKey();
  }

  /** A commit listener: runs on the committing thread, so it only hands waiters to their contexts. */
  private void applied(long revision) {
    if (revision < lowestWaited) {
      return;
    }
    List<Waiter> due = new ArrayList<>();
    synchronized (this) {
      Map.Entry<Long, List<Waiter>> first;
      while ((first = waiting.firstEntry()) != null && first.getKey() <= revision) {
        due.addAll(waiting.pollFirstEntry().getValue());
      }
      lowestWaited = waiting.isEmpty() ? Long.MAX_VALUE : waiting.firstKey();
    }
    for (Waiter w : due) {
      w.context.runOnContext(v -> w.promise.tryComplete());
    }
  }

  private record Waiter(long revision, Context context, Promise<Void> promise) {
  }
}
