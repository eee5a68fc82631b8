package io.ssot.security;

import io.ssot.http.ApiException;
import io.ssot.limit.ClientIdentity;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Authentication for the GET fast path of one event loop. A keep-alive connection sends the same
 * {@code Authorization} header with every request, so the header is verified once per connection
 * and remembered with its principal and rate-limit identity: two SHA-256 digests (the secret's and
 * the identity's) were a tenth of a fast GET. Revocation, expiry and the failed-auth throttle are
 * still checked on every request; a header that differs from the remembered one is verified anew.
 *
 * <p>The remembered header is compared with {@code equals}, not in constant time: it only ever
 * meets headers sent on its own connection, so timing reveals nothing its sender does not know.
 * Not thread-safe: one instance per event loop, which alone sees its connections. Entries go with
 * their connections (weak keys), so memory is bounded by the open connections, plus the last
 * connection seen, held until another one sends a request.
 */
public final class FastReadAuth {

  private record Verified(String authorization, Principal principal, String client, String address) {
  }

  private final boolean enabled;
  private final TokenRegistry tokens;
  private final FailedAuthLimiter limiter;
  private final Map<HttpConnection, Verified> byConnection = new WeakHashMap<>();
  // The last connection seen and its entry: an HTTP/2 connection's streams come in runs.
  private HttpConnection lastConnection;
  private Verified lastVerified;

  FastReadAuth(boolean enabled, TokenRegistry tokens, FailedAuthLimiter limiter) {
    this.enabled = enabled;
    this.tokens = tokens;
    this.limiter = limiter;
  }

  /**
   * The rate-limit identity ({@link ClientIdentity}) of a request whose credentials read
   * {@code key} with no more checks, or null when they might not (no or a bad token, a client
   * certificate, a throttled address, a missing role): the router then decides, audits and counts.
   */
  public String client(HttpServerRequest request, String key) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization == null) {
      return enabled ? null : ClientIdentity.of(request);
    }
    HttpConnection connection = request.connection();
    long now = System.currentTimeMillis();
    Verified known = connection == lastConnection ? lastVerified : byConnection.get(connection);
    if (known == null || !known.authorization().equals(authorization)) {
      known = verify(request, authorization, now);
      if (known == null) {
        return null;
      }
      byConnection.put(connection, known);
    } else if (enabled && !tokens.active(known.principal(), now)) {
      byConnection.remove(connection);
      lastConnection = null;
      lastVerified = null;
      return null;
    }
    lastConnection = connection;
    lastVerified = known;
    if (enabled && limiter.blockedFor(known.address(), now) > 0) {
      return null;
    }
    return known.principal().allows(Role.READ, key) ? known.client() : null;
  }

  private Verified verify(HttpServerRequest request, String authorization, long now) {
    String address = AuthHandler.address(request);
    Principal principal = Principal.ANONYMOUS;
    if (enabled) {
      String token = AuthHandler.bearerToken(authorization);
      if (token == null || limiter.blockedFor(address, now) > 0) {
        return null;
      }
      try {
        principal = tokens.authenticate(token, now);
      } catch (ApiException refused) {
        return null;
      }
    }
    return new Verified(authorization, principal, ClientIdentity.ofCredentials(authorization), address);
  }
}
