package io.ssot.http;

import io.ssot.protocol.Headers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.context.storage.AccessMode;
import io.vertx.core.spi.context.storage.ContextLocal;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The id of each request ({@link Headers#REQUEST_ID}): the client's, when it is short and made of
 * safe characters, else one made here. A client's id that does not pass is replaced, not echoed
 * and not refused: an id is for finding log lines, and a request is not worth failing for it. A
 * 200 of the single-key GET fast path is the one answer that gets only the client's own id.
 *
 * <p>The id is kept in the Vert.x context of the request (each request runs on a context of its
 * own, which the callbacks of its futures keep), so that log lines written later by the same
 * request, on whatever thread its callbacks run, find it ({@link RequestIdMdc}).
 *
 * <p>Cost on the single-key GET's fast path: one header look-up; with a client's id, a scan of it,
 * one header added and one slot of the context set.
 */
public final class RequestIds {

  public static final int MAX_LENGTH = 128;
  /** Lower case and pre-encoded: HTTP/2 would lower-case the name of each answer, HTTP/1.1 encode it. */
  private static final CharSequence HEADER = HttpHeaders.createOptimized(Headers.REQUEST_ID.toLowerCase(Locale.ROOT));

  /** Registered before any Vert.x instance is made: {@link #ensureRegistered()}. */
  private static final ContextLocal<String> ID = ContextLocal.registerLocal(String.class);
  /** Distinguishes this process's ids from another's (and from its earlier runs). */
  private static final String PREFIX = Long.toString(ThreadLocalRandom.current().nextLong() >>> 24, 36) + "-";
  private static final AtomicLong COUNTER = new AtomicLong();

  private RequestIds() {
  }

  /** Loads this class, registering its context slot; to be called before Vert.x is built. */
  public static void ensureRegistered() {
    // The static initialiser did the work.
  }

  /**
   * Echoes the request's own id, if it has a safe one, and keeps it for the request's log lines.
   * All a single-key GET answered on the fast path gets: it writes no log line, audit line or
   * problem, and a new id on each of its answers cost it a third more CPU over h2c in alternating
   * runs (HTTP/2's header compression indexes only values that repeat).
   */
  public static void echoGiven(HttpServerRequest request) {
    String given = request.getHeader(HEADER);
    if (given != null && valid(given)) {
      keep(request, given);
    }
  }

  /** Gives {@code request} its id: its own if it has a safe one, else a new one. */
  public static void ensure(HttpServerRequest request) {
    String given = request.getHeader(HEADER);
    keep(request, given != null && valid(given) ? given : next());
  }

  private static void keep(HttpServerRequest request, String id) {
    request.response().headers().add(HEADER, id); // add, not set: the headers are fresh
    Context context = Vertx.currentContext();
    if (context != null) {
      ((ContextInternal) context).putLocal(ID, AccessMode.CONCURRENT, id);
    }
  }

  /** The id of the request being served on this thread, or null outside one. */
  public static String current() {
    Context context = Vertx.currentContext();
    return context == null ? null : ((ContextInternal) context).getLocal(ID, AccessMode.CONCURRENT);
  }

  static boolean valid(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '_' || c == '.' || c == ':' || c == '+' || c == '/' || c == '=' || c == '@';
      if (!safe) {
        return false;
      }
    }
    return true;
  }

  /** A new id: this process's prefix and a counter, unique within the process and cheap to make. */
  static String next() {
    return PREFIX + Long.toString(COUNTER.incrementAndGet(), 36);
  }
}
