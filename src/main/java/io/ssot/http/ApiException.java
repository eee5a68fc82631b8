package io.ssot.http;

import io.ssot.protocol.Problem;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that is answered with an RFC 9457 problem: a {@link Problem} of the catalogue (its
 * code and HTTP status), a human {@code detail}, and optional extra members and headers.
 */
public final class ApiException extends RuntimeException {

  private final Problem problem;
  private final int status;
  private final Map<String, Object> extra = new LinkedHashMap<>();
  private final Map<String, String> headers = new LinkedHashMap<>();

  public ApiException(Problem problem, String detail) {
    this(problem, problem.status(), detail);
  }

  /** For a problem sent with more than one status ({@link Problem#sentWith}). */
  public ApiException(Problem problem, int status, String detail) {
    super(detail, null, false, false);
    if (!problem.sentWith(status)) {
      throw new IllegalArgumentException(problem + " is not sent with status " + status);
    }
    this.problem = problem;
    this.status = status;
  }

  /** Adds a member to the problem body: a number, a string or a list of string maps. */
  public ApiException with(String name, Object value) {
    extra.put(name, value);
    return this;
  }

  public ApiException header(String name, String value) {
    headers.put(name, value);
    return this;
  }

  public Problem problem() {
    return problem;
  }

  public int status() {
    return status;
  }

  /** The code as sent. */
  public String code() {
    return problem.code(status);
  }

  public String detail() {
    return getMessage();
  }

  public Map<String, Object> extra() {
    return extra;
  }

  public Map<String, String> headers() {
    return headers;
  }
}
