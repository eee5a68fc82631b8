package io.ssot.watch;

import io.vertx.core.buffer.Buffer;

/**
 * Where a watch's messages go: a WebSocket, an SSE stream or a waiting long-poll. Called on
 * the event loop of the connection that opened the watch.
 */
public interface WatchSink {

  /**
   * The matching events of one revision, already encoded as a JSON array. Returns false when
   * the connection's queue is full: the hub then holds the watch until {@link #onDrain} fires.
   */
  boolean events(Watch watch, long revision, Buffer eventsArray);

  void progress(Watch watch, long revision);

  /** The watch has ended with an error ({@code compacted}, {@code slow-consumer} or {@code shutting-down}). */
  void error(Watch watch, String code, String field, long revision);

  /** Whether the connection can take more now. */
  boolean writable();

  /** Runs {@code action} once, when the connection can take more. */
  void onDrain(Runnable action);
}
