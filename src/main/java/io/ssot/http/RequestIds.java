package io.ssot.http;

import io.ssot.protocol.Headers;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.spi.context.storage.AccessMode;
import io.vertx.core.spi.context.storage.ContextLocal;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The id of each request ({@link Headers#REQUEST_ID}): the client's, when it is short and made of
 * safe characters, else one made here. A client's id that does not pass is replaced, not echoed
 * and not refused: an id is for finding log lines, and a request is not worth failing for it.
 *
 * <p>The id is kept in the Vert.x context of the request (each request runs on a context of its
 * own, which the callbacks of its futures keep), so that log lines written later by the same
 * request, on whatever thread its callbacks run, find it ({@link RequestIdMdc}).
 *
 * <p>Cost on the single-key GET: one header look-up, a scan of at most 128 characters or a counter
 * increment and a short string, one header added and one slot of the context set.
 */
public final class RequestIds {

  public static final int MAX_LENGTH = 128;

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

  /** Gives {@code request} its id: echoes it on the answer and keeps it for the request's log lines. */
  public static void assign(HttpServerRequest request) {
    String given = request.getHeader(Headers.REQUEST_ID);
    String id = given != null && valid(given) ? given : next();
    request.response().putHeader(Headers.REQUEST_ID, id);
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
