package io.ssot.http;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code http.compression}: answers of at least {@code http.compressionMinBytes} are gzipped (or
 * deflated) for clients that send {@code Accept-Encoding}, by Vert.x's HTTP codec, so that any
 * answer qualifies, streamed ones too (lists, history, {@code /metrics}, ...). Two kinds are kept
 * out: a single-key GET's answer, the hottest and a small one, which would pay the deflater and
 * its buffers for a few bytes saved; and a watch stream, whose events a compressor would hold
 * back. They carry {@code Content-Encoding: identity}, which tells the codec to leave them alone
 * (HTTP/1.1 then drops the header; HTTP/2 sends it).
 *
 * <p>No brotli: Netty's brotli encoder needs brotli4j, whose native library is extracted from a
 * per-platform jar into a temporary directory at run time; gzip is built into the JDK and takes
 * JSON to a fraction of its size already.
 */
public final class Compression {

  private final boolean enabled;
  private final long minBytes;

  private Compression(boolean enabled, long minBytes) {
    this.enabled = enabled;
    this.minBytes = minBytes;
  }

  public static Compression from(Config config) {
    return new Compression(config.get(Settings.HTTP_COMPRESSION), config.get(Settings.HTTP_COMPRESSION_MIN_BYTES));
  }

  /** Turns the codec's compression on in {@code options} when configured. */
  public static void apply(Config config, HttpServerOptions options) {
    if (config.get(Settings.HTTP_COMPRESSION)) {
      options.setCompressionSupported(true)
          // Level 1 of 9: most of the gain on JSON at a fraction of the default's (6) CPU, on the event loop.
          .setCompressionLevel(1)
          .setCompressionContentSizeThreshold(config.get(Settings.HTTP_COMPRESSION_MIN_BYTES).intValue());
    }
  }

  /**
   * A router handler: the HTTP/2 codec compresses whatever the client accepts, however small (the
   * size threshold is HTTP/1.1's only), so an HTTP/2 answer whose length is known and below
   * {@code http.compressionMinBytes} is kept uncompressed here, as HTTP/1.1 keeps it.
   */
  public void keepSmallAnswersOnHttp2(RoutingContext ctx) {
    if (enabled && ctx.request().version() == HttpVersion.HTTP_2) {
      HttpServerResponse response = ctx.response();
      ctx.addHeadersEndHandler(v -> {
        String length = response.headers().get(HttpHeaders.CONTENT_LENGTH);
        if (length != null && Long.parseLong(length) < minBytes
            && !response.headers().contains(HttpHeaders.CONTENT_ENCODING)) {
          response.headers().add(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
        }
      });
    }
    ctx.next();
  }

  /** Keeps {@code response} uncompressed whatever the client accepts. */
  public void exclude(HttpServerResponse response) {
    if (enabled) {
      response.headers().add(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    }
  }
}
