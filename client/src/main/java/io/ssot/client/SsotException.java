package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.protocol.Problem;

/**
 * The server answered with a problem ({@code application/problem+json}), or no endpoint answered
 * at all ({@link UnavailableException}). {@link #code()} is the problem's machine-readable code,
 * {@link #problem()} its whole body.
 */
public class SsotException extends RuntimeException {

  private final int status;
  private final String code;
  private final transient JsonNode problem;

  SsotException(int status, String code, String message, JsonNode problem, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.code = code;
    this.problem = problem;
  }

  /** The HTTP status; 0 when no endpoint answered. */
  public int status() {
    return status;
  }

  /** The problem's {@code code} ({@code key-not-found}, {@code precondition-failed}...), or {@code unavailable}. */
  public String code() {
    return code;
  }

  /** The code as the protocol's enum; null for a code this client does not know. */
  public Problem problemCode() {
    return Problem.of(code);
  }

  /** The problem+json body as sent; null when there was none. */
  public JsonNode problem() {
    return problem;
  }

  /**
   * The key's revision when a precondition failed ({@code currentRevision} of a 412); -1 when the
   * problem has none (the key does not exist, or another problem).
   */
  public long currentRevision() {
    return longMember("currentRevision");
  }

  /** A member of the problem as a number ({@code currentRevision}, {@code compactRevision}...); -1 when absent. */
  public long longMember(String name) {
    JsonNode n = problem == null ? null : problem.get(name);
    return n != null && n.canConvertToLong() ? n.asLong() : -1;
  }

  /** The exception of a problem answer: its subclass by code. */
  static SsotException of(int status, JsonNode body, String fallbackDetail) {
    String code = body != null && body.hasNonNull("code") ? body.get("code").asText() : "http-" + status;
    String detail = body != null && body.hasNonNull("detail") ? body.get("detail").asText() : fallbackDetail;
    String message = status + " " + code + (detail == null || detail.isEmpty() ? "" : ": " + detail);
    return switch (status) {
      case 404 -> new KeyNotFoundException(status, code, message, body);
      case 410 -> new CompactedException(status, code, message, body);
      case 412 -> new PreconditionFailedException(status, code, message, body);
      case 401, 403 -> new AccessDeniedException(status, code, message, body);
      case 503 -> new UnavailableException(status, code, message, body, null);
      default -> new SsotException(status, code, message, body, null);
    };
  }

  /** 404: the key does not exist (or did not at the revision asked). */
  public static final class KeyNotFoundException extends SsotException {
    KeyNotFoundException(int status, String code, String message, JsonNode problem) {
      super(status, code, message, problem, null);
    }
  }

  /** 412: an {@code If-Match} or {@code If-None-Match: *} precondition failed. */
  public static final class PreconditionFailedException extends SsotException {
    PreconditionFailedException(int status, String code, String message, JsonNode problem) {
      super(status, code, message, problem, null);
    }
  }

  /** 410 (or a watch's {@code compacted}): the revision asked for is below the compaction revision. */
  public static final class CompactedException extends SsotException {
    CompactedException(int status, String code, String message, JsonNode problem) {
      super(status, code, message, problem, null);
    }

    /** The compaction revision, when the server named it; else -1. */
    public long compactRevision() {
      return longMember("compactRevision");
    }
  }

  /** 401 or 403: no valid token, or the token lacks the role. */
  public static final class AccessDeniedException extends SsotException {
    AccessDeniedException(int status, String code, String message, JsonNode problem) {
      super(status, code, message, problem, null);
    }
  }

  /** 503 from every endpoint tried until the retry budget ran out, or no endpoint reachable (status 0). */
  public static final class UnavailableException extends SsotException {
    UnavailableException(int status, String code, String message, JsonNode problem, Throwable cause) {
      super(status, code, message, problem, cause);
    }
  }
}
