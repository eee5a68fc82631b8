package io.ssot.api;

import io.ssot.http.ApiException;

import io.ssot.protocol.Problem;
import io.ssot.store.Entry;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Answers large enough to matter if a client leaves them unread: GETs of values of 16 KiB and
 * more, every list, history and schema-list page, and the answer of every txn with a get. They
 * go through their connection's output (see {@link io.ssot.watch.WatchHub#sendLarge}): an
 * answer waits until its connection has written most of what it was given, and counts in the
 * server-wide output budget, shared with watches, until it is written. When that budget is
 * exhausted by other connections the answer is refused with 503 + Retry-After rather than
 * queued: it holds nothing then, and the client retries.
 *
 * <p>Smaller answers are written at once, uncounted: the answers of values up to 16 KiB are
 * built once and shared by every response ({@link EntryBodies}), so an unread one costs no
 * copy, and the single-key GET, the hottest path, pays nothing for the bound.
 */
final class LargeAnswers {

  /** The largest value {@link EntryBodies} shares; larger ones are rendered for each answer. */
  static final int THRESHOLD = 16 << 10;
  /** What an entry's answer adds to its value, at most: key, metadata and JSON. */
  private static final int ENTRY_OVERHEAD = 1024;

  private LargeAnswers() {
  }

  static boolean isLarge(Entry entry) {
    return entry.value() != null && entry.value().length >= THRESHOLD;
  }

  /** The most bytes the answer of {@code entry} takes. */
  static long answerBytes(Entry entry) {
    return answerBytes(entry.value().length);
  }

  /** The most bytes the answer of an entry whose value has {@code valueBytes} takes. */
  static long answerBytes(long valueBytes) {
    return valueBytes + ENTRY_OVERHEAD;
  }

  /** Sends the answer {@code answer} writes, of at most {@code reserve} bytes, through the connection's output. */
  static Future<Void> send(Api api, RoutingContext ctx, long reserve, Supplier<Future<Void>> answer) {
    return send(api, ctx, reserve, answer, () -> reserve);
  }

  /**
   * As {@link #send(Api, RoutingContext, long, Supplier)}, for an answer built before it can be
   * sent: {@code built} gives the bytes it holds meanwhile (see {@link io.ssot.watch.WatchHub#sendLarge}).
   */
  static Future<Void> send(Api api, RoutingContext ctx, long reserve, Supplier<Future<Void>> answer,
      LongSupplier built) {
    return api.hub().sendLarge(ctx.request(), reserve, answer, built).compose(sent -> sent ? Future.succeededFuture()
        : Future.failedFuture(new ApiException(Problem.OUTPUT_BUDGET_EXHAUSTED, "the server holds as many unsent "
            + "answers as watch.maxQueuedBytesTotal allows; retry shortly").header("Retry-After", "1")));
  }
}
