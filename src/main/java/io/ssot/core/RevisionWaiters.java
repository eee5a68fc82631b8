package io.ssot.core;

import io.ssot.store.MvccStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Waits until the store has applied a revision: each waiter a promise completed on its own
 * context by the store's commits, never a blocked thread. A commit nobody waits for takes no
 * lock. Reads at a revision ({@code ?minRevision=}) and a follower's forwarded writes each keep
 * their own; timeouts and what a wait answers stay with them.
 */
public final class RevisionWaiters {

  private final MvccStore store;
  /** Waiters by the revision they wait for; guarded by {@code this}. */
  private final TreeMap<Long, List<Waiter>> waiting = new TreeMap<>();
  /** The lowest revision waited for, so that a commit nobody waits for takes no lock. */
  private volatile long lowestWaited = Long.MAX_VALUE;

  public RevisionWaiters(MvccStore store) {
    this.store = store;
    store.addCommitListener(this::applied);
  }

  /** A wait for {@code revision}, completed on {@code context}; already complete when the store holds it. */
  public final class Waiter {
    private final long revision;
    private final Context context;
    private final Promise<Void> promise = Promise.promise();

    private Waiter(long revision, Context context) {
      this.revision = revision;
      this.context = context;
    }

    public Future<Void> future() {
      return promise.future();
    }

    /** Stops waiting (its future stays as it is); false when the store's commits had taken it already. */
    public boolean cancel() {
      return remove(this);
    }

    /** Completes the wait now, on its context (a timeout that answers anyway). */
    public void complete() {
      context.runOnContext(v -> promise.tryComplete());
    }

    /** Fails the wait now, on its context. */
    public void fail(Throwable cause) {
      context.runOnContext(v -> promise.tryFail(cause));
    }
  }

  /** Waits for {@code revision}, to be completed on {@code context}. */
  public Waiter await(long revision, Context context) {
    Waiter waiter = new Waiter(revision, context);
    if (store.revision() >= revision) {
      waiter.promise.complete();
      return waiter;
    }
    add(waiter);
    // A commit between the check above and the add told nobody: look again.
    if (store.revision() >= revision && remove(waiter)) {
      waiter.promise.complete();
    }
    return waiter;
  }

  /** Takes every waiter out (a shutdown answers them itself). */
  public synchronized List<Waiter> takeAll() {
    List<Waiter> all = new ArrayList<>();
    waiting.values().forEach(all::addAll);
    waiting.clear();
    lowestWaited = Long.MAX_VALUE;
    return all;
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

  private synchronized boolean remove(Waiter waiter) {
    List<Waiter> list = waiting.get(waiter.revision);
    boolean removed = list != null && list.remove(waiter);
    if (removed && list.isEmpty()) {
      waiting.remove(waiter.revision);
    }
    lowestWaited = waiting.isEmpty() ? Long.MAX_VALUE : waiting.firstKey();
    return removed;
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
      w.complete();
    }
  }
}
