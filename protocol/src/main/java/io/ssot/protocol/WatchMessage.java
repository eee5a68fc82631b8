package io.ssot.protocol;

/**
 * What the server sends about a watch, on a WebSocket as a JSON text message naming the watch's
 * {@code id}, or on an SSE stream (one watch, no id) as an event; {@link WatchEncoder} writes
 * both forms.
 */
public sealed interface WatchMessage {

  /** The client's name of the watch; null on an SSE stream, and for a refusal naming no watch. */
  String id();

  /** The watch is open; it delivers every change after {@code revision} (or from its fromRevision). */
  record Created(String id, long revision) implements WatchMessage {
  }

  /**
   * The matching changes of one revision, all of them in one message.
   *
   * @param events the JSON array of the {@link Event}s, as {@link WatchEncoder#event} wrote them (not copied)
   */
  record Events(String id, long revision, byte[] events) implements WatchMessage {
  }

  /** Nothing matched up to {@code revision}: the watch may resume after it. */
  record Progress(String id, long revision) implements WatchMessage {
  }

  /** The answer to the client's cancel. */
  record Canceled(String id) implements WatchMessage {
  }

  /**
   * The watch has ended: {@link Problem#COMPACTED} with the compaction revision,
   * {@link Problem#UNDECRYPTABLE} with the revision it could not read, or
   * {@link Problem#SLOW_CONSUMER}, {@link Problem#SHUTTING_DOWN}, {@link Problem#TOKEN_REVOKED}
   * with the last revision it delivered, from which its client resumes.
   */
  record Ended(String id, Problem problem, long revision) implements WatchMessage {

    /** The member holding the revision: {@code compactRevision}, {@code revision} or {@code lastRevision}. */
    public String revisionField() {
      return switch (problem) {
        case COMPACTED -> "compactRevision";
        case UNDECRYPTABLE -> "revision";
        default -> "lastRevision";
      };
    }
  }

  /**
   * The client's ack of {@code revision} carried a digest other than the server's
   * ({@code digest}) for the watched prefix at that revision: its view differs from the store.
   * The client lists the prefix again and watches from the listing's revision.
   */
  record Drifted(String id, long revision, String digest) implements WatchMessage {
  }

  /** A client message was refused; the connection stays open. */
  record Refused(String id, Problem problem, String detail) implements WatchMessage {
  }
}
