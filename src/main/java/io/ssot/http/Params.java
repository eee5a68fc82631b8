package io.ssot.http;

import io.ssot.protocol.Problem;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.List;

/** Strict reading of query parameters: a value that is present must be well-formed. */
public final class Params {

  private final MultiMap params;

  public Params(HttpServerRequest request) {
    try {
      this.params = request.params();
    } catch (RuntimeException e) {
      throw new ApiException(Problem.INVALID_PARAMETER, "the query string is malformed");
    }
  }

  /** The single value of {@code name}, or null; a repeated parameter is an error. */
  public String get(String name) {
    List<String> all = params.getAll(name);
    if (all.isEmpty()) {
      return null;
    }
    if (all.size() > 1) {
      throw invalid(name, "is given more than once");
    }
    return all.get(0);
  }

  public boolean flag(String name) {
    String v = get(name);
    if (v == null || v.equals("false")) {
      return false;
    }
    if (v.equals("true") || v.isEmpty()) {
      return true;
    }
    throw invalid(name, "must be true or false");
  }

  public long longIn(String name, long dflt, long min, long max) {
    String v = get(name);
    if (v == null) {
      return dflt;
    }
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw invalid(name, "must be a whole number");
    }
    if (n < min || n > max) {
      throw invalid(name, "must be between " + min + " and " + max);
    }
    return n;
  }

  /** {@code limit}: 100 by default, at most {@code limits.maxPageSize}. */
  public long pageSize(int max) {
    return longIn("limit", Math.min(100, max), 1, max);
  }

  /** A duration such as {@code 30s}, {@code 500ms}, {@code 2m}, or plain seconds. */
  public Duration duration(String name) {
    String v = get(name);
    if (v == null) {
      return null;
    }
    try {
      if (v.matches("\\d{1,9}")) {
        return Duration.ofSeconds(Long.parseLong(v));
      }
      if (v.matches("\\d{1,12}(ms|s|m)")) {
        return io.ssot.config.Parsers.duration(v);
      }
    } catch (IllegalArgumentException e) {
      // fall through
    }
    throw invalid(name, "must be a duration such as 30s, 500ms or 2m");
  }

  public static ApiException invalid(String name, String why) {
    return new ApiException(Problem.INVALID_PARAMETER, "parameter '" + name + "' " + why);
  }
}
