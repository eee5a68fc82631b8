package io.ssot.http;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * {@code http.compression}: an answer of at least {@code http.compressionMinBytes} that a route
 * ends with {@link #end} is gzipped when the client sends {@code Accept-Encoding: gzip}.
 *
 * <p>Done here, per answer, rather than by Vert.x's HTTP codec ({@code setCompressionSupported}):
 * the codec sits in every connection's pipeline and looks at every request and response, the
 * single-key GET included, which it cost some 10–20% more CPU per request in alternating runs
 * on this machine even when that answer was marked {@code Content-Encoding: identity}; here the
 * fast path runs no code of it at all, and a watch stream cannot be compressed by mistake.
 *
 * <p>gzip at level 1: most of the gain on JSON for a fraction of the default level's CPU. An
 * answer over {@link #OFFLOAD_BYTES} is compressed on a worker thread, not the event loop. No
 * brotli: the JDK has none, and brotli4j loads a native library extracted from a per-platform jar
 * at run time.
 */
public final class Compression {

  /** Larger answers are compressed off the event loop. */
  static final int OFFLOAD_BYTES = 64 << 10;
  private static final String KEY = "ssot.compression";
  private static final CharSequence GZIP = HttpHeaders.createOptimized("gzip");

  private final boolean enabled;
  private final long minBytes;

  private Compression(boolean enabled, long minBytes) {
    this.enabled = enabled;
    this.minBytes = minBytes;
  }

  public static Compression from(Config config) {
    return new Compression(config.get(Settings.HTTP_COMPRESSION), config.get(Settings.HTTP_COMPRESSION_MIN_BYTES));
  }

  /** A router handler, before the routes: notes that this request's answer may be gzipped. */
  public void offer(RoutingContext ctx) {
    if (enabled && acceptsGzip(ctx.request().getHeader(HttpHeaders.ACCEPT_ENCODING))) {
      ctx.put(KEY, this);
    }
    ctx.next();
  }

  /** Ends the response with {@code body}, gzipped when the client accepts it and it is large enough. */
  public static Future<Void> end(RoutingContext ctx, Buffer body) {
    Compression compression = ctx.get(KEY);
    HttpServerResponse response = ctx.response();
    if (compression == null || body.length() < compression.minBytes) {
      return response.end(body);
    }
    response.putHeader(HttpHeaders.CONTENT_ENCODING, GZIP).putHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
    if (body.length() <= OFFLOAD_BYTES) {
      return response.end(gzip(body));
    }
    return ctx.vertx().executeBlocking(() -> gzip(body), false).compose(response::end);
  }

  /**
   * For an answer written in pieces (a snapshot): a {@link Stream} that gzips them when the client
   * accepts it, else null. The answer's headers say so.
   */
  public static Stream streamFor(RoutingContext ctx) {
    if (ctx.get(KEY) == null) {
      return null;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_ENCODING, GZIP).putHeader(HttpHeaders.VARY, HttpHeaders.ACCEPT_ENCODING);
    return new Stream();
  }

  /**
   * One gzip stream over the pieces of one answer, at level 1. Its calls come one at a time (each
   * piece is compressed where it is made, a worker thread for a snapshot's pages); {@link #finish}
   * or {@link #abandon} frees the deflater's native memory.
   */
  public static final class Stream {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(64 << 10);
    private final FastGzip gzip;

    private Stream() {
      try {
        gzip = new FastGzip(out);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // cannot happen: it writes to memory
      }
    }

    /** The compressed bytes {@code piece} adds (possibly none yet: the deflater keeps some back). */
    public Buffer piece(Buffer piece) {
      try {
        gzip.write(piece.getBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return drain();
    }

    /** The compressed bytes of {@code last} and the end of the stream. */
    public Buffer finish(Buffer last) {
      try {
        gzip.write(last.getBytes());
        gzip.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return drain();
    }

    /** The answer ended early: frees the deflater. */
    public void abandon() {
      try {
        gzip.close();
      } catch (IOException ignored) {
        // in memory
      }
    }

    private Buffer drain() {
      Buffer compressed = Buffer.buffer(out.toByteArray());
      out.reset();
      return compressed;
    }
  }

  /** Whether an {@code Accept-Encoding} value accepts gzip: named (or {@code *}) without {@code q=0}. */
  static boolean acceptsGzip(String acceptEncoding) {
    if (acceptEncoding == null) {
      return false;
    }
    for (String coding : acceptEncoding.split(",")) {
      String[] parts = coding.split(";");
      String name = parts[0].trim();
      if (name.equalsIgnoreCase("gzip") || name.equalsIgnoreCase("x-gzip") || name.equals("*")) {
        return parts.length < 2 || !parts[1].trim().replace(" ", "").matches("(?i)q=0(\\.0*)?");
      }
    }
    return false;
  }

  static Buffer gzip(Buffer body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, body.length() / 4));
    try (FastGzip gzip = new FastGzip(out)) {
      gzip.write(body.getBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: it writes to memory
    }
    return Buffer.buffer(out.toByteArray());
  }

  /** gzip at level 1. */
  private static final class FastGzip extends GZIPOutputStream {
    FastGzip(OutputStream out) throws IOException {
      super(out, 8192);
      def.setLevel(Deflater.BEST_SPEED);
    }
  }
}
