package io.ssot.watch;

import io.vertx.core.Future;

/**
 * What the two streaming transports (a WebSocket, an SSE stream) share about their connection's
 * {@link ConnectionOutput}: waiting for room, the stuck check, and the last message of a watch,
 * after which a client that does not read is cut off.
 */
abstract class ConnectionSink implements WatchSink {

  final ConnectionOutput output;
  private final long graceMillis;

  ConnectionSink(ConnectionOutput output, long graceMillis) {
    this.output = output;
    this.graceMillis = graceMillis;
  }

  /**
   * {@code sent} is a watch's last message: if the client has not taken it within the
   * slow-consumer grace, it is not reading, and {@code abort} frees what is queued for it.
   */
  final void abortUnlessTaken(Future<Void> sent, Runnable abort) {
    output.abortUnlessWritten(sent, graceMillis, abort);
  }

  @Override
  public final void onDrain(Runnable action) {
    output.onDrain(action);
  }

  @Override
  public final boolean stuckSince(long nanoTime) {
    return output.stuckSince(nanoTime);
  }
}
