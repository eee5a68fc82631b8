package io.ssot.security;

import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;

/** The problems of authentication and authorisation: 401 (with the challenge of RFC 6750), 403 and 429. */
final class AuthProblems {

  private AuthProblems() {
  }

  static ApiException missing() {
    return new ApiException(Problem.UNAUTHORIZED, "this needs an Authorization: Bearer <token> header")
        .header("WWW-Authenticate", "Bearer realm=\"ssot\"");
  }

  static ApiException invalid(String detail) {
    return new ApiException(Problem.INVALID_TOKEN, detail)
        .header("WWW-Authenticate", "Bearer realm=\"ssot\", error=\"invalid_token\"");
  }

  /** A console session cookie that names no live session (logged out, expired, its token revoked). */
  static ApiException sessionEnded() {
    return new ApiException(Problem.INVALID_TOKEN, "the console session ended (logout, expiry or its token was "
        + "revoked): log in again")
        .header("WWW-Authenticate", "Bearer realm=\"ssot\", error=\"invalid_token\"");
  }

  /** What is missing, named: the role and the key or prefix it is needed on. */
  static ApiException forbidden(Principal principal, Role role, String keyOrPrefix) {
    String what = keyOrPrefix.isEmpty() ? "everything (the empty prefix)" : "'" + keyOrPrefix + "'";
    return new ApiException(Problem.FORBIDDEN, principal.name() + " needs " + role.wireName() + " on " + what
        + ": a " + role.wireName() + " (or higher) role on a prefix that covers it")
        .with("requiredRole", role.wireName())
        .with("resource", keyOrPrefix);
  }

  static ApiException tooManyFailures(long retryAfterSeconds) {
    return new ApiException(Problem.TOO_MANY_AUTH_FAILURES,
        "too many failed authentication attempts from this address; retry after " + retryAfterSeconds + " s")
        .header("Retry-After", Long.toString(retryAfterSeconds));
  }
}
