package io.ssot.watch;

import io.ssot.protocol.Problem;
import io.ssot.security.ValueCipher;
import io.vertx.core.Context;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.ArrayList;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
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
  /** The output of each open HTTP connection with watches or long-polls on this loop; h2 streams share theirs. */
  private final Map<HttpConnection, ConnectionOutput> httpOutputs = new HashMap<>();

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

  /** The output shared by the SSE streams of {@code connection}; on this event loop only. */
  ConnectionOutput output(HttpConnection connection) {
    ConnectionOutput output = httpOutputs.get(connection);
    if (output == null) {
      output = hub.newOutput(context, connection.isSsl());
      // Not the connection's closeHandler: there is one only, and the connection limit has it.
      if (connection instanceof ConnectionBase base) {
        httpOutputs.put(connection, output);
        base.closeFuture().onComplete(closed -> httpOutputs.remove(connection));
      }
    }
    return output;
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
    long target = hub.tellableRevision();
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
      long rev = w.nextRevision;
      EncodedCommit commit;
      try {
        commit = hub.encoded(rev);
      } catch (ValueCipher.Undecryptable e) {
        // Only altered store bytes get here (a wrong key is refused at start-up): end this watch
        // clearly rather than stall every watch of the event loop on the same revision.
        hub.end(w, Problem.UNDECRYPTABLE, rev);
        return;
      }
      if (commit == null) {
        hub.end(w, Problem.COMPACTED, hub.store().compactRevision());
        return;
      }
      EventsPayload events = commit.matching(w.filter);
      if (events != null) {
        if (!w.sink.events(w, rev, events)) {
          stall(w);
          return;
        }
        w.sentSinceProgress = true;
      }
      w.nextRevision = rev + 1;
    }
  }

  /**
   * The connection (or the server's watch output budget) is full: hold the watch at its next
   * revision, queueing nothing more for it, until there is room. If its connection then writes
   * nothing for a grace period while it holds unwritten bytes, the watch is cancelled as a slow
   * consumer and the client resumes from its last revision; a watch whose connection is idle
   * (it waits for the server's budget, held by others) waits on.
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
    armSlowConsumerTimer(w, stalledAt, stalledAt);
  }

  private void armSlowConsumerTimer(Watch w, long stalledAt, long since) {
    context.owner().setTimer(hub.slowConsumerGraceMillis(), id -> {
      if (w.waitingForDrain && !w.closed && w.stalledSince == stalledAt) {
        if (w.sink.stuckSince(since)) {
          hub.slowConsumer(w);
        } else {
          armSlowConsumerTimer(w, stalledAt, System.nanoTime());
        }
      }
    });
  }

  /** Tells each quiet, caught-up watch the revision it has reached. */
  void progressTick() {
    long current = hub.tellableRevision();
    for (Watch w : List.copyOf(watches)) {
      if (!w.closed && !w.waitingForDrain && !w.sentSinceProgress && w.nextRevision > current) {
        w.sink.progress(w, w.lastRevision());
      }
      w.sentSinceProgress = false;
    }
  }
}
