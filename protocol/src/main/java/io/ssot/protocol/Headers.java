package io.ssot.protocol;

/** The names of the protocol's own headers and of the media types it sends. */
public final class Headers {

  /** The store's revision when the answer was made, on every read and write answer and on an SSE stream's start. */
  public static final String REVISION = "X-SSOT-Revision";
  /**
   * The request's id: taken from the request when it is 1 to 128 characters of letters, digits and
   * {@code - _ . : + / = @}, else generated; on every answer, in the log lines and audit lines of
   * the request and in its problem bodies ({@code requestId}).
   */
  public static final String REQUEST_ID = "X-Request-Id";
  /** The W3C trace context of a request; passed on to the leader with a forwarded write. */
  public static final String TRACEPARENT = "traceparent";
  /** The revision an EventSource saw last; an SSE watch resumes after it. */
  public static final String LAST_EVENT_ID = "Last-Event-ID";

  /** The media type of a problem. */
  public static final String PROBLEM_JSON = "application/problem+json";
  /** The media type of an SSE watch. */
  public static final String EVENT_STREAM = "text/event-stream";

  private Headers() {
  }
}
