package io.ssot.watch;

import io.ssot.core.RevisionWaiters;
import io.ssot.http.ApiException;
import io.ssot.http.Params;
import io.ssot.protocol.Problem;
import io.ssot.store.MvccStore;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
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
  private final RevisionWaiters waiters;
  private volatile LeaderRevision leaderRevision;
  private volatile boolean stopping;

  public RevisionWaits(Vertx vertx, MvccStore store) {
    this.vertx = vertx;
    this.store = store;
    this.waiters = new RevisionWaiters(store);
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
    RevisionWaiters.Waiter waiter = waiters.await(revision, vertx.getOrCreateContext());
    if (waiter.future().isComplete()) {
      return waiter.future();
    }
    long timer = vertx.setTimer(Math.max(1, maxWaitMillis), t -> {
      waiter.cancel();
      long applied = store.revision();
      waiter.fail(new ApiException(Problem.REVISION_NOT_APPLIED,
          "this node has applied revision " + applied + ", not yet " + revision + ", within limits.maxWait")
          .with(MIN_REVISION, revision).with("appliedRevision", applied)
          .header("X-SSOT-Revision", Long.toString(applied)));
    });
    // The answer's close, not the connection's: there is one connection closeHandler only, and
    // the connection limit has it. Later handlers may replace this one once the wait is over.
    ctx.response().closeHandler(v -> {
      vertx.cancelTimer(timer);
      waiter.cancel();
    });
    return waiter.future().andThen(ar -> vertx.cancelTimer(timer));
  }

  /**
   * The server is stopping: every waiter is answered {@code 503} now, to ask another node, so
   * that none holds the shutdown for {@code limits.maxWait}; later ones at once.
   */
  public void shutdown() {
    stopping = true;
    for (RevisionWaiters.Waiter w : waiters.takeAll()) {
      w.fail(stopping());
    }
  }

  private static ApiException stopping() {
    return new ApiException(Problem.UNAVAILABLE, "this node is stopping; read at this revision from another node")
        .header("Retry-After", "1");
  }

  /** Waiters now waiting, for tests and metrics. */
  public int waiting() {
    return waiters.waiting();
  }
}
