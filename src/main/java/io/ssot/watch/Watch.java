package io.ssot.watch;

/**
 * One watch: a filter and the next revision it has to look at. Owned by the event loop of its
 * connection; the hub advances it through the change log in revision order, so replay and live
 * delivery are the same code path and nothing is skipped or repeated.
 */
public final class Watch {

  final String id;
  final WatchFilter filter;
  final WatchSink sink;
  final ContextWatches home;
  long nextRevision;
  boolean sentSinceProgress;
  boolean waitingForDrain;
  long stalledSince;
  boolean closed;

  Watch(String id, WatchFilter filter, long nextRevision, WatchSink sink, ContextWatches home) {
    this.id = id;
    this.filter = filter;
    this.nextRevision = nextRevision;
    this.sink = sink;
    this.home = home;
  }

  public String id() {
    return id;
  }

  /** The last revision whose matching events have all been delivered. */
  public long lastRevision() {
    return nextRevision - 1;
  }
}
