package io.ssot.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Every machine-readable code the server sends: in an RFC 9457 problem
 * ({@code application/problem+json}: {@code type} is {@code urn:ssot:problem:<code>}, {@code title}
 * the title of the status, plus {@code status}, {@code detail} and {@code code}), in a watch's
 * {@code error} message, or both. A code sent only in watch messages has no HTTP status
 * ({@link #status()} is 0).
 */
public enum Problem {

  // 400

  /** The HTTP codec could not parse the request (bad request line or header syntax); the connection closes. */
  BAD_REQUEST("bad-request", 400),
  /** A path that names no key has {@code //}, {@code .} or {@code ..} segments, a trailing {@code /} or a malformed escape. */
  INVALID_PATH("invalid-path", 400),
  /**
   * The key is not valid: outside the key grammar, longer than {@code limits.maxKeyBytes}, or a
   * path under a key route that is not normalised or not UTF-8. Also a watch message's key or prefix.
   */
  INVALID_KEY("invalid-key", 400),
  /**
   * A query parameter is malformed or out of range (the query string itself, {@code limit},
   * {@code durability}, {@code wait}...), or a watch names not exactly one of key and prefix.
   */
  INVALID_PARAMETER("invalid-parameter", 400),
  /**
   * A header is malformed: {@code If-Match}/{@code If-None-Match} not quoted revisions or both
   * given, {@code If-None-Match} on a delete, a non-numeric {@code Content-Length}, a bad
   * {@code Last-Event-ID}.
   */
  INVALID_HEADER("invalid-header", 400),
  /** The request body broke off while arriving (malformed chunked framing, the client went away). */
  INVALID_BODY("invalid-body", 400),
  /**
   * The body is not exactly one well-formed JSON value in valid UTF-8 (empty, trailing content, a
   * NUL byte, a lone surrogate). Also a WebSocket watch message that is not a JSON object.
   */
  INVALID_JSON("invalid-json", 400),
  /** The JSON value nests deeper than {@code limits.maxJsonDepth}. */
  JSON_TOO_DEEP("json-too-deep", 400),
  /** A JSON number is longer than the parser takes. */
  NUMBER_TOO_LONG("number-too-long", 400),
  /**
   * The body starts with a UTF-8 byte-order mark (400); or a rollback would restore a value stored
   * with one (422: the request is well-formed but the value cannot be served as JSON).
   */
  BYTE_ORDER_MARK("byte-order-mark", 400, 422),
  /** A transaction body is not of the documented shape or over its limits (compares, ops). */
  INVALID_TXN("invalid-txn", 400),
  /** A rollback body is not {@code {"toRevision": N}} with N >= 1. */
  INVALID_ROLLBACK("invalid-rollback", 400),
  /** A token creation body is not of the documented shape (name, roles, expiry). */
  INVALID_TOKEN_REQUEST("invalid-token-request", 400),
  /** The WebSocket upgrade of {@code /v1/watch} is malformed. */
  INVALID_HANDSHAKE("invalid-handshake", 400),
  /**
   * A watch WebSocket's {@code clientId}, {@code application} or {@code instance} (query
   * parameters of the upgrade) is empty, too long or has a character outside {@link ClientName}'s set.
   */
  INVALID_CLIENT_NAME("invalid-client-name", 400),
  /** A read asks for a revision after the store's current one ({@code atRevision}). */
  FUTURE_REVISION("future-revision", 400),

  // 401, 403

  /** No {@code Authorization: Bearer} header (with {@code WWW-Authenticate: Bearer}). */
  UNAUTHORIZED("unauthorized", 401),
  /** The bearer token is unknown, revoked or expired (with {@code WWW-Authenticate: Bearer ..., error="invalid_token"}). */
  INVALID_TOKEN("invalid-token", 401),
  /**
   * The token lacks the role needed on the key or prefix; the problem names {@code requiredRole}
   * and {@code resource}. Also a watch message for a key or prefix the token may not read.
   */
  FORBIDDEN("forbidden", 403),
  /**
   * A request made with the web console's session cookie that could be forged by another site: a
   * write without the session's {@code X-CSRF-Token}, or an {@code Origin} that is not the server's
   * own (also a WebSocket upgrade without one).
   */
  CSRF_REJECTED("csrf-rejected", 403),

  // 404-408

  /** No endpoint has this path. */
  NOT_FOUND("not-found", 404),
  /** The key does not exist (or did not at {@code atRevision}); a delete of an absent key. */
  KEY_NOT_FOUND("key-not-found", 404),
  /** No schema is set on this prefix. */
  SCHEMA_NOT_FOUND("schema-not-found", 404),
  /** No token has this id. */
  TOKEN_NOT_FOUND("token-not-found", 404),
  /** The endpoint does not take this method; {@code Allow} lists those it does. */
  METHOD_NOT_ALLOWED("method-not-allowed", 405),
  /** {@code GET /v1/watch} that is neither a WebSocket upgrade nor {@code Accept: text/event-stream}. */
  NOT_ACCEPTABLE("not-acceptable", 406),
  /** The body of {@code POST /v1/snapshot} is not an intact snapshot (format, version, truncation, checksum). */
  INVALID_SNAPSHOT("invalid-snapshot", 400),
  /** The request body did not arrive within {@code limits.bodyTimeout}. */
  BODY_TIMEOUT("body-timeout", 408),

  /** {@code POST /v1/snapshot} into a store that has been written: a snapshot is restored only into an empty one. */
  STORE_NOT_EMPTY("store-not-empty", 409),

  // 410-431

  /**
   * The revision asked for is below the compaction horizon; the problem carries
   * {@code compactRevision}. Also the error that ends a watch whose {@code fromRevision} is
   * compacted, with {@code compactRevision}.
   */
  COMPACTED("compacted", 410),
  /** An {@code If-Match}/{@code If-None-Match} or transaction compare failed; with {@code currentRevision} when the key exists. */
  PRECONDITION_FAILED("precondition-failed", 412),
  /** The body or the value is over its limit ({@code limits.maxValueBytes}, {@code maxTxnBytes}...). */
  TOO_LARGE("too-large", 413),
  /** The request line is longer than the codec takes; the connection closes. */
  URI_TOO_LONG("uri-too-long", 414),
  /** A body that is not {@code application/json} (or {@code +json}, or form-encoded, taken as JSON). */
  UNSUPPORTED_MEDIA_TYPE("unsupported-media-type", 415),
  /** The value does not satisfy the JSON Schema of its prefix; with {@code violations}. */
  SCHEMA_VIOLATION("schema-violation", 422),
  /** A schema that is not a valid JSON Schema (draft 2020-12); with {@code violations}. */
  INVALID_SCHEMA("invalid-schema", 422),
  /**
   * The gets of a txn would read more than {@code limits.maxTxnReadBytes} (with {@code maxReadBytes});
   * the txn was not run.
   */
  TXN_READS_TOO_LARGE("txn-reads-too-large", 422),
  /**
   * A Spring Cloud Config environment ({@code GET /config/...}) would read more keys or bytes, or
   * give more properties or bytes, than one answer holds; the detail says which bound.
   */
  ENVIRONMENT_TOO_LARGE("environment-too-large", 422),
  /**
   * Over the client's read or write rate ({@code Retry-After}). Also the error of a watch message
   * opening a watch over the client's read rate.
   */
  RATE_LIMITED("rate-limited", 429),
  /** Too many failed authentications from this address ({@code Retry-After}). */
  TOO_MANY_AUTH_FAILURES("too-many-auth-failures", 429),
  /** The request headers are larger than the codec takes; the connection closes. */
  HEADERS_TOO_LARGE("headers-too-large", 431),

  // 5xx

  /** A fault of the server, logged with its cause; never an answer to bad input. */
  INTERNAL("internal", 500),
  /** The store cannot take writes now (its change log failed, PostgreSQL refused or is out of reach); with {@code Retry-After}. */
  UNAVAILABLE("unavailable", 503),
  /**
   * In cluster mode, this node does not commit writes: it is a follower, or a leader that could not
   * confirm its lock within {@code cluster.leaseTimeout}. With {@code Retry-After} and, when known,
   * {@code leader} ({@code id}, {@code url}): the node to send the write to.
   */
  NOT_LEADER("not-leader", 503),
  /**
   * A {@code durability=sync} write is committed locally but could not be made durable in time;
   * with {@code Retry-After}.
   */
  NOT_DURABLE("not-durable", 503),
  /**
   * A value cannot be decrypted with the configured keys; with {@code Retry-After}. Also the error
   * that ends a watch at such a value, with its {@code revision}.
   */
  UNDECRYPTABLE("undecryptable", 503),
  /** The server has {@code limits.maxConnections} open; with {@code Retry-After}. */
  TOO_MANY_CONNECTIONS("too-many-connections", 503),
  /** The server holds as many request bodies as its budget allows; with {@code Retry-After}. */
  BODY_BUDGET_EXHAUSTED("body-budget-exhausted", 503),
  /** The server holds as many unsent answers as its budget allows; with {@code Retry-After}. */
  OUTPUT_BUDGET_EXHAUSTED("output-budget-exhausted", 503),
  /** The data directory's disk is too full to take the write; with {@code Retry-After}. */
  INSUFFICIENT_STORAGE("insufficient-storage", 507),
  /**
   * A read with {@code ?minRevision=R} (or {@code ?consistency=leader}) waited {@code limits.maxWait}
   * and this node has still not applied R; with {@code minRevision} and {@code appliedRevision}.
   */
  REVISION_NOT_APPLIED("revision-not-applied", 504),

  /**
   * A 4xx of the HTTP stack itself, before any route (such as an HTTP/1.1 request without
   * {@code Host}): the code is {@code http-} and the status, such as {@code http-400}.
   */
  HTTP_STATUS("http-", 400),

  // Watch messages only

  /** A watch whose connection stayed full for the slow-consumer grace is cancelled; with {@code lastRevision}. */
  SLOW_CONSUMER("slow-consumer"),
  /** The server is stopping: every watch ends with {@code lastRevision}, to resume from elsewhere. */
  SHUTTING_DOWN("shutting-down"),
  /** The token of the watch was revoked or expired; with {@code lastRevision} (a WebSocket then closes with 1008). */
  TOKEN_REVOKED("token-revoked"),
  /** A WebSocket message without a valid {@code id}, or a watch with a bad {@code fromRevision} or filter. */
  INVALID_MESSAGE("invalid-message"),
  /** A WebSocket message whose {@code op} is none of {@code watch}, {@code cancel}, {@code ack}. */
  UNKNOWN_OP("unknown-op"),
  /** A watch opened with the id of a watch still open on the connection. */
  DUPLICATE_ID("duplicate-id"),
  /** A watch beyond {@code limits.maxWatchesPerConnection} on one WebSocket. */
  TOO_MANY_WATCHES("too-many-watches"),
  /** A cancel or ack of an id that names no open watch. */
  UNKNOWN_ID("unknown-id"),
  /**
   * An ack for one more watch than {@link ClientName#MAX_ACKED_WATCHES} on one connection: the
   * server keeps the applied revision of that many watches per connection.
   */
  TOO_MANY_ACKS("too-many-acks"),
  /** A binary WebSocket message: watch messages are JSON text. */
  BINARY_NOT_SUPPORTED("binary-not-supported");

  /** The prefix of a problem's {@code type}. */
  public static final String TYPE_PREFIX = "urn:ssot:problem:";

  private static final Map<String, Problem> BY_CODE = new HashMap<>();

  static {
    for (Problem p : values()) {
      if (p != HTTP_STATUS) {
        BY_CODE.put(p.code, p);
      }
    }
  }

  private final String code;
  private final int[] statuses;

  Problem(String code, int... statuses) {
    this.code = code;
    this.statuses = statuses;
  }

  /** The code on the wire; for {@link #HTTP_STATUS} only its prefix, see {@link #code(int)}. */
  public String code() {
    return code;
  }

  /** The code sent with {@code status}: {@link #code()}, except {@code http-<status>} for {@link #HTTP_STATUS}. */
  public String code(int status) {
    return this == HTTP_STATUS ? code + status : code;
  }

  /** The HTTP status it is sent with (the first, when there are several); 0 for a code of watch messages only. */
  public int status() {
    return statuses.length == 0 ? 0 : statuses[0];
  }

  /** Whether this code is ever sent with HTTP status {@code status}. */
  public boolean sentWith(int status) {
    if (this == HTTP_STATUS) {
      return status >= 400 && status < 500;
    }
    for (int s : statuses) {
      if (s == status) {
        return true;
      }
    }
    return false;
  }

  /** Whether this code is ever sent as an HTTP problem (else only in watch messages). */
  public boolean http() {
    return statuses.length > 0;
  }

  /** The {@code title} of its problem: the title of {@link #status()}; null for a code of watch messages only. */
  public String title() {
    return http() ? title(status()) : null;
  }

  /** The code's problem {@code type}: {@code urn:ssot:problem:<code>}. */
  public String type(int status) {
    return TYPE_PREFIX + code(status);
  }

  /** The problem of a code as sent, {@code http-<status>} included; null for a code this catalogue does not hold. */
  public static Problem of(String code) {
    Problem p = BY_CODE.get(code);
    if (p == null && code != null && code.startsWith(HTTP_STATUS.code)) {
      String digits = code.substring(HTTP_STATUS.code.length());
      if (digits.length() == 3 && digits.chars().allMatch(c -> c >= '0' && c <= '9')
          && HTTP_STATUS.sentWith(Integer.parseInt(digits))) {
        return HTTP_STATUS;
      }
    }
    return p;
  }

  /** The {@code title} of a problem with HTTP status {@code status} (RFC 9110's reason phrases). */
  public static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 412 -> "Precondition Failed";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 507 -> "Insufficient Storage";
      default -> status >= 500 ? "Internal Server Error" : "Client Error";
    };
  }
}
