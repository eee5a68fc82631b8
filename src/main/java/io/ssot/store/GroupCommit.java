package io.ssot.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * {@code durability=sync} without PostgreSQL: a write is acknowledged once the change log is
 * forced to disk up to its revision. One thread forces; every write that arrives while a force
 * runs shares the next one, so thousands of sync writes a second cost a few fsyncs each.
 */
public final class GroupCommit implements AutoCloseable {

  private record Waiter(long revision, CompletableFuture<Void> done) {
  }

  private final MvccStore store;
  private final List<Waiter> waiters = new ArrayList<>();
  private final Thread thread;
  private long durableRevision;
  private boolean closed;

  public GroupCommit(MvccStore store) {
    this.store = store;
    this.durableRevision = 0;
    this.thread = new Thread(this::run, "ssot-group-commit");
    thread.setDaemon(true);
    thread.start();
  }

  /** Completes when {@code revision} is on disk. */
  public CompletableFuture<Void> durable(long revision) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (this) {
      if (closed) {
        done.completeExceptionally(new IllegalStateException("shutting down"));
        return done;
      }
      if (revision <= durableRevision) {
        done.complete(null);
        return done;
      }
      if (revision > store.revision()) {
        // Nothing will ever make it durable; waiting for it would force the log forever.
        done.completeExceptionally(new IllegalArgumentException("revision " + revision + " is not committed"));
        return done;
      }
      waiters.add(new Waiter(revision, done));
      notifyAll();
    }
    return done;
  }

  private void run() {
    while (true) {
      synchronized (this) {
        while (waiters.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed && waiters.isEmpty()) {
          return;
        }
      }
      long target = store.revision();
      RuntimeException failure = null;
      try {
        store.force();
      } catch (RuntimeException e) {
        failure = e;
      }
      synchronized (this) {
        if (failure == null) {
          durableRevision = Math.max(durableRevision, target);
        }
        RuntimeException error = failure;
        waiters.removeIf(w -> {
          if (error != null) {
            w.done().completeExceptionally(error);
          } else if (w.revision() <= durableRevision) {
            w.done().complete(null);
          }
          return w.done().isDone();
        });
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    thread.join(10_000);
  }
}
