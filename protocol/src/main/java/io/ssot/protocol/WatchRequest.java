package io.ssot.protocol;

/** What a client sends on a WebSocket watch connection; {@link WatchEncoder#json(WatchRequest)} writes it. */
public sealed interface WatchRequest {

  /** The client's name of the watch: 1 to {@link #MAX_ID_LENGTH} characters, unique among its open watches. */
  String id();

  int MAX_ID_LENGTH = 128;

  /**
   * Opens a watch of one key or of a prefix (exactly one of them not null), delivering every
   * change from {@code fromRevision} on; 0 means from the next revision.
   */
  record Open(String id, String key, String prefix, long fromRevision) implements WatchRequest {
  }

  record Cancel(String id) implements WatchRequest {
  }

  /**
   * The client has applied every change of the watch up to {@code revision} (its listeners have
   * run), and its view of the watched prefix then has this {@link ViewDigest} (null: no digest).
   */
  record Ack(String id, long revision, String digest) implements WatchRequest {
  }
}
