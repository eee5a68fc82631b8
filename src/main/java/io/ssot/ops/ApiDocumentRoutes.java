package io.ssot.ops;

import io.ssot.http.Compression;
import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 document of the HTTP API, the file
 * {@code src/main/resources/openapi.json} of the jar. It is read once at start-up (never on an
 * event loop) and served with an ETag of its content, so a client revalidates it for a 304.
 */
public final class ApiDocumentRoutes {

  /** The path of the document, on the class path and on the server. */
  public static final String PATH = "/openapi.json";
  /** Long enough for a tool that polls it, short enough that an upgraded server is seen soon. */
  private static final String CACHE_CONTROL = "public, max-age=300";

  private final Buffer document;
  private final String etag;

  private ApiDocumentRoutes(byte[] document) {
    this.document = Buffer.buffer(document);
    this.etag = '"' + contentHash(document) + '"';
  }

  /** The document of the jar; fails start-up when the jar does not hold it. */
  public static ApiDocumentRoutes load() {
    try (InputStream in = ApiDocumentRoutes.class.getResourceAsStream(PATH)) {
      if (in == null) {
        throw new IllegalStateException("the class path holds no " + PATH);
      }
      return new ApiDocumentRoutes(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + PATH + " from the class path", e);
    }
  }

  public void mount(Router router) {
    router.get(PATH).setName(PATH).handler(this::serve);
    router.route(PATH).setName(PATH).handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET").header("Allow", "GET")));
  }

  private void serve(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.ETAG, etag).putHeader(HttpHeaders.CACHE_CONTROL, CACHE_CONTROL);
    if (matches(ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH))) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    Compression.end(ctx, document);
  }

  /**
   * Whether an {@code If-None-Match} names this document: {@code *} or its entity tag in the list,
   * compared weakly (RFC 9110 13.1.2), so a tag a compressing proxy weakened still matches.
   */
  private boolean matches(String ifNoneMatch) {
    if (ifNoneMatch == null) {
      return false;
    }
    return Arrays.stream(ifNoneMatch.split(",")).map(String::trim)
        .map(tag -> tag.startsWith("W/") ? tag.substring(2) : tag)
        .anyMatch(tag -> tag.equals("*") || tag.equals(etag));
  }

  /** The first 128 bits of the content's SHA-256, base64url: changes with every edit of the document. */
  private static String contentHash(byte[] content) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(content);
      return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
