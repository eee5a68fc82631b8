package io.ssot.watch;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The watch output of one connection: a WebSocket, an HTTP/1.1 connection carrying an SSE
 * stream, or an HTTP/2 connection carrying any number of them; and the large plain answers
 * (long-polls, GETs of large values, list and history pages) of an HTTP connection. It counts the bytes handed to
 * Vert.x for this connection until each write completes (the bytes are then in the kernel's
 * socket buffer, or the write failed with the connection), and refuses a message that would
 * take the count over {@code watch.maxQueueBytes} (unless nothing is queued: one message always
 * fits) or over the server-wide {@link WatchOutputBudget}.
 *
 * <p>Vert.x's own {@code writeQueueFull()} cannot serve: past the channel's byte watermark it
 * queues 16 more messages of any size, and on HTTP/2 it ignores {@code setWriteQueueMaxSize} and
 * holds what each stream's flow-control window refuses.
 *
 * <p>Confined to the connection's event loop, which also completes its writes.
 */
final class ConnectionOutput {

  final Context context;
  private final long limit;
  private final WatchOutputBudget budget;
  /** TLS encrypts each connection's copy of a shared array: count it as this connection's own. */
  private final boolean copiesShared;
  private long queued;
  private long refusedBytes;
  private long lastWrittenNanos = System.nanoTime();
  private final List<Runnable> drainActions = new ArrayList<>();

  ConnectionOutput(Context context, long limit, WatchOutputBudget budget, boolean copiesShared) {
    this.context = context;
    this.limit = limit;
    this.budget = budget;
    this.copiesShared = copiesShared;
  }

  /**
   * Writes one message if there is room: {@code ownBytes} private to this connection (a copy
   * of the events, framing) and, if not null, a shared events array. Returns false, writing
   * nothing, when the connection or the server has no room; {@link #onDrain} then says when to
   * try again.
   */
  boolean send(long ownBytes, EventsPayload shared, Supplier<Future<Void>> write) {
    long size = ownBytes + (shared == null ? 0 : shared.size());
    if (queued > 0 && queued + size > limit) {
      refusedBytes = -1;
      return false;
    }
    boolean counted = shared == null || copiesShared;
    if (counted ? !budget.tryHold(size) : !shared.hold(budget, ownBytes)) {
      refusedBytes = size;
      return false;
    }
    Runnable giveBack = counted ? () -> budget.release(size) : () -> shared.release(budget, ownBytes);
    track(size, write, giveBack);
    return true;
  }

  /** Writes a small control message (progress, confirmation, error) whatever the room; counted all the same. */
  Future<Void> sendAnyway(long bytes, Supplier<Future<Void>> write) {
    budget.holdAnyway(bytes);
    return track(bytes, write, () -> budget.release(bytes));
  }

  /** Counts {@code bytes} already handed to Vert.x until {@code written} completes. */
  void count(long bytes, Future<Void> written) {
    budget.holdAnyway(bytes);
    track(bytes, () -> written, () -> budget.release(bytes));
  }

  /**
   * Writes a large plain answer if the server's budget has room for {@code reserve} bytes, its
   * most; returns false, writing nothing, if not. The reserve is held while {@code write} builds
   * and sends the answer, then exchanged for the bytes {@code sent} reports (the reserve itself
   * while the answer is not yet complete), counted until they are written.
   */
  boolean sendMeasured(long reserve, Supplier<Future<Void>> write, LongSupplier sent) {
    if (!budget.tryHold(reserve)) {
      return false;
    }
    Future<Void> written;
    try {
      written = write.get();
    } catch (RuntimeException e) {
      budget.release(reserve);
      throw e;
    }
    long size = Math.min(reserve, sent.getAsLong());
    budget.holdAnyway(size);
    budget.release(reserve);
    account(size, written, () -> budget.release(size));
    return true;
  }

  /** Counts {@code size} bytes, held in the budget by the caller, until the write completes or fails. */
  private Future<Void> track(long size, Supplier<Future<Void>> write, Runnable giveBack) {
    Future<Void> written;
    try {
      written = write.get();
    } catch (RuntimeException e) {
      giveBack.run();
      throw e;
    }
    return account(size, written, giveBack);
  }

  private Future<Void> account(long size, Future<Void> written, Runnable giveBack) {
    queued += size;
    written.onComplete(ar -> {
      queued -= size;
      lastWrittenNanos = System.nanoTime();
      giveBack.run();
      if (queued <= limit / 2 && !drainActions.isEmpty()) {
        runDrainActions();
      }
    });
    return written;
  }

  /** Completes once this connection's queue is at most half full; one waiter at a time gets it. */
  Future<Void> room() {
    Promise<Void> ready = Promise.promise();
    awaitRoom(ready);
    return ready.future();
  }

  private void awaitRoom(Promise<Void> ready) {
    if (queued <= limit / 2) {
      ready.complete();
    } else {
      // Checked again when run: the waiter before may have filled the queue once more.
      drainActions.add(() -> awaitRoom(ready));
    }
  }

  /** Runs {@code action} once when a message refused by {@link #send} may fit. */
  void onDrain(Runnable action) {
    drainActions.add(action);
    if (refusedBytes >= 0) {
      // Refused by the server's budget, not by this connection's queue: no write of this
      // connection may be pending to call the action.
      budget.await(this, refusedBytes);
    }
  }

  /** The server budget may have room again. */
  void budgetFreed() {
    if (queued <= limit / 2 && !drainActions.isEmpty()) {
      runDrainActions();
    }
  }

  /** See {@link WatchSink#stuckSince}. */
  boolean stuckSince(long nanoTime) {
    return queued > 0 && lastWrittenNanos - nanoTime < 0;
  }

  /**
   * A watch on this connection ended with {@code lastWrite}: if it is still unwritten after
   * {@code graceMillis}, the client is not reading and {@code abort} frees what it holds.
   */
  void abortUnlessWritten(Future<Void> lastWrite, long graceMillis, Runnable abort) {
    if (!lastWrite.isComplete()) {
      long timer = context.owner().setTimer(graceMillis, id -> {
        if (!lastWrite.isComplete()) {
          abort.run();
        }
      });
      lastWrite.onComplete(ar -> context.owner().cancelTimer(timer));
    }
  }

  private void runDrainActions() {
    List<Runnable> actions = List.copyOf(drainActions);
    drainActions.clear();
    actions.forEach(Runnable::run);
  }
}
