package io.ssot.http;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.protocol.Problem;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * Reads a request body within three bounds: its own size limit (413), the server-wide
 * {@link BodyBudget} (503 + Retry-After) and {@code limits.bodyTimeout} (408, and the connection
 * is closed). Past the size limit or the budget the request is answered at once and the rest of
 * the body is dropped as it arrives ({@link ConnectionReuse}), so the client can read the answer
 * instead of a reset connection. The bytes a body reserved are given back when its request ends
 * in any way: answered, failed, reset or its connection closed.
 */
public final class RequestBody {

  /** How much {@code limits.maxBodyBytesInFlight} is by default: this share of the max heap. */
  static final int HEAP_SHARE = 8;

  private final BodyBudget budget;
  private final long timeoutMillis;

  public RequestBody(BodyBudget budget, long timeoutMillis) {
    this.budget = budget;
    this.timeoutMillis = timeoutMillis;
  }

  /**
   * The budget is {@code limits.maxBodyBytesInFlight}, or by default an eighth of the max heap: a
   * body is held about twice while it is handled (its buffer and the bytes parsed from it, and
   * a txn's values once more), so bodies stay within about a quarter of the heap. Either way it
   * holds at least one body of the largest size a request may send.
   */
  public static RequestBody from(Config config) {
    long largestBody = Math.max(config.get(Settings.LIMITS_MAX_VALUE_BYTES), config.get(Settings.LIMITS_MAX_TXN_BYTES));
    long configured = config.get(Settings.LIMITS_MAX_BODY_BYTES_IN_FLIGHT);
    if (configured != 0 && configured < largestBody) {
      throw new IllegalArgumentException(Settings.LIMITS_MAX_BODY_BYTES_IN_FLIGHT.envName() + " (" + configured
          + " bytes) must hold at least the largest body a request may send, limits.maxValueBytes or "
          + "limits.maxTxnBytes (" + largestBody + " bytes)");
    }
    long capacity = configured != 0 ? configured : Math.max(Runtime.getRuntime().maxMemory() / HEAP_SHARE, largestBody);
    return new RequestBody(new BodyBudget(capacity), config.get(Settings.LIMITS_BODY_TIMEOUT).toMillis());
  }

  public BodyBudget budget() {
    return budget;
  }

  public long timeoutMillis() {
    return timeoutMillis;
  }

  /**
   * The body of the request, at most {@code limit} bytes. Must be called before the handler
   * returns to the event loop, or body bytes are lost.
   */
  public Future<Buffer> read(RoutingContext ctx, long limit) {
    ConnectionReuse.boundUnreadBody(ctx, timeoutMillis);
    return new Reading(ctx, limit).start();
  }

  /** One body being read: its bytes so far, what it reserved, and its deadline. */
  private final class Reading {

    private final RoutingContext ctx;
    private final HttpServerRequest request;
    private final long limit;
    private final Promise<Buffer> result = Promise.promise();
    private Buffer body;
    private long reserved;
    private long timer = -1;

    Reading(RoutingContext ctx, long limit) {
      this.ctx = ctx;
      this.request = ctx.request();
      this.limit = limit;
    }

    Future<Buffer> start() {
      String contentLength = request.getHeader("Content-Length");
      long declared = -1;
      if (contentLength != null) {
        try {
          declared = Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
          return Future.failedFuture(new ApiException(Problem.INVALID_HEADER, "Content-Length is not a number"));
        }
      }
      if (declared > limit) {
        return Future.failedFuture(tooLarge());
      }
      ctx.addEndHandler(ended -> finish());
      if (declared > 0 && !reserve(declared)) {
        return Future.failedFuture(budgetExhausted());
      }
      if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
        request.response().writeContinue();
      }
      body = Buffer.buffer(declared > 0 ? (int) declared : 256);
      // A small body arrives with its headers and is read in this same turn of the event loop:
      // the deadline is only armed, for the time left, if the body is still coming after it.
      // Arming and cancelling a timer for every body cost about 3% of a PUT (JFR).
      long started = System.nanoTime();
      ctx.vertx().getOrCreateContext().runOnContext(v -> armDeadline(started));
      request.handler(chunk -> {
        if (body == null) {
          return; // answered already: the rest is dropped
        }
        long length = body.length() + (long) chunk.length();
        if (length > limit) {
          fail(tooLarge());
        } else if (length > reserved && !reserve(length - reserved)) {
          fail(budgetExhausted());
        } else {
          body.appendBuffer(chunk);
        }
      });
      request.endHandler(v -> {
        cancelTimer();
        if (body != null) {
          result.tryComplete(body);
        }
      });
      // The body broke off: malformed chunked framing, or the client closed the connection. Either
      // way it is the request's fault, not the server's: a 400 (if the client is still there to read it).
      request.exceptionHandler(e -> fail(new ApiException(Problem.INVALID_BODY,
          "the request body could not be read: " + e.getMessage())));
      return result.future();
    }

    private void armDeadline(long startedNanos) {
      if (body == null || request.isEnded()) {
        return; // read, failed or answered already
      }
      long left = timeoutMillis - (System.nanoTime() - startedNanos) / 1_000_000;
      timer = ctx.vertx().setTimer(Math.max(1, left), id -> {
        timer = -1;
        fail(new ApiException(Problem.BODY_TIMEOUT, "the request body did not arrive within limits.bodyTimeout ("
            + timeoutMillis + " ms)"));
      });
    }

    private boolean reserve(long bytes) {
      if (!budget.tryReserve(bytes)) {
        return false;
      }
      reserved += bytes;
      return true;
    }

    private void fail(ApiException problem) {
      cancelTimer();
      body = null;
      result.tryFail(problem);
    }

    /** The request ended (answered, or its connection or stream closed): its reservation is given back. */
    private void finish() {
      cancelTimer();
      body = null;
      budget.release(reserved);
      reserved = 0;
    }

    private void cancelTimer() {
      if (timer != -1) {
        ctx.vertx().cancelTimer(timer);
        timer = -1;
      }
    }

    private ApiException tooLarge() {
      return new ApiException(Problem.TOO_LARGE, "the body is larger than the limit of " + limit + " bytes");
    }

    private ApiException budgetExhausted() {
      return new ApiException(Problem.BODY_BUDGET_EXHAUSTED, "the server holds as many request bodies as "
          + "limits.maxBodyBytesInFlight (" + budget.capacity() + " bytes) allows; retry shortly")
          .header("Retry-After", "1");
    }
  }
}
