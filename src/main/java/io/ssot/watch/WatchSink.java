package io.ssot.watch;

import io.ssot.protocol.Problem;

/**
 * Where a watch's messages go: a WebSocket, an SSE stream or a waiting long-poll. Called on
 * the event loop of the connection that opened the watch.
 */
public interface WatchSink {

  /**
   * The matching events of one revision, already encoded as a JSON array. Returns false, sending
   * nothing, when the connection (or the server's watch output budget) has no room for them: the
   * hub then holds the watch at this revision until {@link #onDrain} fires.
   */
  boolean events(Watch watch, long revision, EventsPayload events);

  void progress(Watch watch, long revision);

  /**
   * The watch has ended with an error ({@code compacted}, {@code undecryptable},
   * {@code slow-consumer}, {@code shutting-down} or {@code token-revoked}) and the revision that
   * goes with it (see {@link io.ssot.protocol.WatchMessage.Ended}).
   */
  void error(Watch watch, Problem problem, long revision);

  /** Runs {@code action} once, when a message refused by {@link #events} may fit. */
  void onDrain(Runnable action);

  /**
   * Whether the connection holds unwritten bytes and has completed no write since
   * {@code nanoTime}: its client does not read. False when only the server-wide budget is short,
   * which a stalled watch then keeps waiting for.
   */
  boolean stuckSince(long nanoTime);
}
