package io.ssot.api;

import io.ssot.http.Compression;
import io.ssot.http.ApiException;
import io.ssot.http.Params;

import io.ssot.protocol.Headers;
import io.ssot.protocol.Problem;
import io.ssot.store.Keys;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Request helpers shared by the routes: keys from raw paths, content types, the durability asked for. */
final class Requests {

  private Requests() {
  }

  /**
   * The key after {@code prefix} in the raw (undecoded) request path, percent-decoded exactly
   * once and then checked against the key grammar: no normalisation ever maps one path onto
   * another key.
   */
  static String key(HttpServerRequest request, String prefix) {
    String raw = request.path();
    if (raw == null || !raw.startsWith(prefix)) {
      throw new ApiException(Problem.INVALID_KEY, "the path does not name a key under " + prefix);
    }
    String key = percentDecode(raw.substring(prefix.length()));
    String problem = Keys.problem(key);
    if (problem != null) {
      throw new ApiException(Problem.INVALID_KEY, problem);
    }
    return key;
  }

  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0
            || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw new ApiException(Problem.INVALID_KEY, "the path has a malformed percent-escape");
        }
        out.write(Character.digit(s.charAt(i + 1), 16) * 16 + Character.digit(s.charAt(i + 2), 16));
        i += 2;
      } else if (c > 0x7F) {
        throw new ApiException(Problem.INVALID_KEY, "the path has a raw non-ASCII character");
      } else {
        out.write(c);
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(out.toByteArray())).toString();
    } catch (CharacterCodingException e) {
      throw new ApiException(Problem.INVALID_KEY, "the path is not valid UTF-8 once decoded");
    }
  }

  /**
   * Bodies are JSON: {@code application/json}, a {@code +json} type, or no type. curl's default
   * for {@code -d}, {@code application/x-www-form-urlencoded}, counts as no type, so that
   * {@code curl -X PUT -d '{"a":1}'} works as it does against etcd or Consul.
   */
  static void requireJson(HttpServerRequest request) {
    String type = request.getHeader("Content-Type");
    if (type == null) {
      return;
    }
    String media = type.split(";", 2)[0].trim().toLowerCase(java.util.Locale.ROOT);
    if (!media.equals("application/json") && !media.equals("application/x-www-form-urlencoded")
        && !(media.startsWith("application/") && media.endsWith("+json"))) {
      throw new ApiException(Problem.UNSUPPORTED_MEDIA_TYPE,
          "the body must be application/json, not " + media);
    }
  }

  /** Whether the write must reach disk before it is acknowledged ({@code ?durability=}). */
  static boolean sync(Params params, Api api) {
    String d = params.get("durability");
    if (d == null) {
      return api.syncByDefault();
    }
    return switch (d) {
      case "local" -> false;
      case "sync" -> true;
      default -> throw Params.invalid("durability", "must be local or sync");
    };
  }

  // Pre-encoded header names and values: Vert.x writes them without re-encoding per response.
  // The name is lower case, as HTTP/2 requires (Vert.x would lower-case a copy of it for every
  // HTTP/2 response) and as HTTP/1.1 allows; Netty's names for ETag and Content-Type are too.
  static final CharSequence X_SSOT_REVISION = HttpHeaders.createOptimized(Headers.REVISION.toLowerCase(Locale.ROOT));
  static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private record RevisionText(long revision, CharSequence text) {
  }

  /** The last store revision sent, pre-encoded: between writes, every read sends the same one. */
  private static volatile RevisionText lastRevision = new RevisionText(-1, "");

  static CharSequence revisionText(long storeRevision) {
    RevisionText last = lastRevision;
    if (last.revision() != storeRevision) {
      last = new RevisionText(storeRevision, HttpHeaders.createOptimized(Long.toString(storeRevision)));
      lastRevision = last;
    }
    return last.text();
  }

  static HttpServerResponse withRevision(HttpServerResponse response, long storeRevision) {
    return response.putHeader(X_SSOT_REVISION, revisionText(storeRevision));
  }

  static io.vertx.core.Future<Void> sendJson(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
    ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON);
    return Compression.end(ctx, body);
  }
}
