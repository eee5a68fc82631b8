package io.ssot.client;

import java.util.List;

/**
 * Receives a watch's changes, one call per revision in revision order, on the client's watch
 * thread (one thread for all watches of a client: return quickly). Reconnections, fail-over and
 * {@code slow-consumer} are handled by the client: it resumes from the next revision, so a
 * listener sees no gap and no duplicate. A watch ends only by {@link Watch#close()},
 * {@link #onCompacted} or {@link #onError}.
 */
public interface WatchListener {

  /** Every matching change of one revision. */
  void onEvents(long revision, List<WatchEvent> events);

  /** Nothing matched up to {@code revision}. */
  default void onProgress(long revision) {
  }

  /**
   * The revision to resume from is below the compaction revision: changes were lost. The watch
   * has ended; re-read the state and watch again from its revision.
   */
  default void onCompacted(long compactRevision) {
  }

  /**
   * The server found that the view this watch feeds, as its last ack described it (revision and
   * digest), differs from the store at that revision. A {@link ConfigView} lists its prefix
   * again; a raw watch that acks nothing never hears this. The watch stays open.
   */
  default void onDrifted(long revision) {
  }

  /** The server refused or ended the watch for good ({@code forbidden}, {@code token-revoked}...). */
  default void onError(SsotException error) {
  }
}
