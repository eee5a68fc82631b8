package io.ssot.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that is answered with an RFC 9457 problem: an HTTP status, a machine-readable
 * {@code code}, a human {@code detail}, and optional extra members and headers.
 */
public final class ApiException extends RuntimeException {

  private final int status;
  private final String code;
  private final Map<String, Object> extra = new LinkedHashMap<>();
  private final Map<String, String> headers = new LinkedHashMap<>();

  public ApiException(int status, String code, String detail) {
    super(detail, null, false, false);
    this.status = status;
    this.code = code;
  }

  public static ApiException badRequest(String code, String detail) {
    return new ApiException(400, code, detail);
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

  public int status() {
    return status;
  }

  public String code() {
    return code;
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
