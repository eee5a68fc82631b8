package io.ssot.api;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads a request body up to a limit. Past the limit the request is answered with 413 at once
 * and the rest of the body is read and dropped, so the client can read the 413 instead of a
 * reset connection; a client that keeps sending far beyond the limit is disconnected.
 */
public final class RequestBody {

  /** How much past the limit is drained before giving up on the connection. */
  private static final long DRAIN_ALLOWANCE = 16L << 20;

  private RequestBody() {
  }

  /** Must be called before the handler returns to the event loop, or body bytes are lost. */
  public static Future<Buffer> read(HttpServerRequest request, long limit) {
    Promise<Buffer> result = Promise.promise();
    String contentLength = request.getHeader("Content-Length");
    long declared = -1;
    if (contentLength != null) {
      try {
        declared = Long.parseLong(contentLength.trim());
      } catch (NumberFormatException e) {
        return Future.failedFuture(ApiException.badRequest("invalid-header", "Content-Length is not a number"));
      }
    }
    boolean expectsContinue = "100-continue".equalsIgnoreCase(request.getHeader("Expect"));
    if (declared > limit) {
      ApiException tooLarge = tooLarge(limit);
      if (!expectsContinue) {
        drain(request, 0, limit);
      }
      return Future.failedFuture(tooLarge);
    }
    if (expectsContinue) {
      request.response().writeContinue();
    }
    Buffer body = Buffer.buffer(declared > 0 ? (int) declared : 256);
    request.handler(chunk -> {
      if (result.future().isComplete()) {
        return;
      }
      if (body.length() + chunk.length() > limit) {
        result.tryFail(tooLarge(limit));
        drain(request, body.length() + chunk.length() - limit, limit);
        return;
      }
      body.appendBuffer(chunk);
    });
    request.endHandler(v -> result.tryComplete(body));
    // The body broke off: malformed chunked framing, or the client closed the connection. Either
    // way it is the request's fault, not the server's: a 400 (if the client is still there to read it).
    request.exceptionHandler(e -> result.tryFail(ApiException.badRequest("invalid-body",
        "the request body could not be read: " + e.getMessage())));
    return result.future();
  }

  private static void drain(HttpServerRequest request, long alreadyOver, long limit) {
    long[] over = {alreadyOver};
    request.handler(chunk -> {
      over[0] += chunk.length();
      if (over[0] > DRAIN_ALLOWANCE) {
        request.connection().close();
      }
    });
    request.endHandler(v -> { });
  }

  private static ApiException tooLarge(long limit) {
    return new ApiException(413, "too-large", "the body is larger than the limit of " + limit + " bytes");
  }
}
