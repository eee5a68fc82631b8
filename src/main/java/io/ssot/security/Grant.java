package io.ssot.security;

/**
 * A role on a key prefix. The prefix is a plain byte prefix, as in listings: {@code payments/}
 * covers {@code payments/db} and a listing of {@code payments/prod/}, but not the key
 * {@code payments} nor {@code paymentsX}; the empty prefix covers everything.
 */
public record Grant(Role role, String prefix) {

  /** Whether this grant gives {@code wanted} on every key that starts with {@code keyOrPrefix}. */
  boolean covers(Role wanted, String keyOrPrefix) {
    return role.includes(wanted) && keyOrPrefix.startsWith(prefix);
  }
}
