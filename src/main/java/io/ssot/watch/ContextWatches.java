package io.ssot.watch;

import io.ssot.security.ValueCipher;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The watches opened on one event loop, and the pump that advances them. A commit on any thread
 * schedules the pump (once, however many commits arrive meanwhile); the pump then walks each
 * watch from its next revision up to the store revision, on this event loop only.
 */
final class ContextWatches {

  /** Revisions one watch may advance in one pump, so a long replay cannot hog the loop. */
  private static final int REVISIONS_PER_PUMP = 2_000;

  private final WatchHub hub;
  final Context context;
  private final List<Watch> watches = new ArrayList<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private volatile int count;

  ContextWatches(WatchHub hub, Context context) {
    this.hub = hub;
    this.context = context;
  }

  boolean isEmpty() {
    return count == 0;
  }

  void add(Watch watch) {
    watches.add(watch);
    count = watches.size();
    schedule();
  }

  void remove(Watch watch) {
    watches.remove(watch);
    count = watches.size();
  }

  /** Runs {@code action} on each watch, which may close it; on this event loop only. */
  void forEach(Consumer<Watch> action) {
    List.copyOf(watches).forEach(action);
  }

  /** Safe from any thread. */
  void schedule() {
    if (scheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> pump());
    }
  }

  private void pump() {
    scheduled.set(false);
    long target = hub.store().revision();
    boolean behind = false;
    for (Watch w : List.copyOf(watches)) {
      advance(w, target);
      behind |= !w.closed && !w.waitingForDrain && w.nextRevision <= target;
    }
    if (behind) {
      schedule();
    }
  }

  private void advance(Watch w, long target) {
    for (int budget = REVISIONS_PER_PUMP; budget > 0 && !w.closed && !w.waitingForDrain
        && w.nextRevision <= target; budget--) {
      if (!w.sink.writable()) {
        stall(w);
        return;
      }
      long rev = w.nextRevision;
      EncodedCommit commit;
      try {
        commit = hub.encoded(rev);
      } catch (ValueCipher.Undecryptable e) {
        // Only altered store bytes get here (a wrong key is refused at start-up): end this watch
        // clearly rather than stall every watch of the event loop on the same revision.
        hub.end(w, "undecryptable", "revision", rev);
        return;
      }
      if (commit == null) {
        hub.end(w, "compacted", "compactRevision", hub.store().compactRevision());
        return;
      }
      Buffer events = commit.matching(w.filter);
      w.nextRevision = rev + 1;
      if (events != null) {
        w.sink.events(w, rev, events);
        w.sentSinceProgress = true;
      }
    }
  }

  /**
   * The connection is full: hold the watch (nothing more is queued for it, so memory stays
   * bounded) until it drains; if it does not drain within the grace period, the watch is
   * cancelled as a slow consumer and the client resumes from its last revision.
   */
  private void stall(Watch w) {
    w.waitingForDrain = true;
    long stalledAt = System.nanoTime();
    w.stalledSince = stalledAt;
    w.sink.onDrain(() -> {
      if (w.waitingForDrain && !w.closed) {
        w.waitingForDrain = false;
        schedule();
      }
    });
    context.owner().setTimer(hub.slowConsumerGraceMillis(), id -> {
      if (w.waitingForDrain && !w.closed && w.stalledSince == stalledAt) {
        hub.slowConsumer(w);
      }
    });
  }

  /** Tells each quiet, caught-up watch the revision it has reached. */
  void progressTick() {
    long current = hub.store().revision();
    for (Watch w : List.copyOf(watches)) {
      if (!w.closed && !w.waitingForDrain && !w.sentSinceProgress && w.nextRevision > current) {
        w.sink.progress(w, w.lastRevision());
      }
      w.sentSinceProgress = false;
    }
  }
}
