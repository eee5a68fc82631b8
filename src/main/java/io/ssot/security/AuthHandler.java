package io.ssot.security;

import io.ssot.http.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * Authenticates every request before any route runs (deny by default: every path needs a token
 * except {@code /health/live}, the API document {@code /openapi.json}, when configured
 * {@code /health/ready} and {@code /metrics}, and the web console's files and login), throttles
 * addresses that keep failing, and enforces the roles whole endpoints need. Handlers check the keys they touch through {@link Access}.
 *
 * <p>Credentials, in order: a bearer token; else the web console's session cookie (see
 * {@link ConsoleSessions}: such a request must also pass its CSRF checks); else a verified client
 * certificate. A request with an {@code Authorization} header never looks at cookies, so the
 * cost of a bearer request is what it was.
 */
public final class AuthHandler implements Handler<RoutingContext> {

  /**
   * Endpoints that need a role on everything (the empty prefix), by path prefix: a new admin
   * endpoint is one line here.
   */
  private static final Map<String, Role> PATH_ROLES = Map.of(
      "/v1/tokens", Role.ADMIN,
      "/v1/schemas", Role.ADMIN,
      "/v1/clients", Role.ADMIN,
      "/v1/snapshot", Role.ADMIN,
      "/v1/pg", Role.ADMIN);

  private static final String BEARER = "bearer ";
  /** Where a browser logs in to the console (POST, no credentials yet) and out again. */
  public static final String CONSOLE_SESSION_PATH = "/ui/session";
  private static final String CONSOLE = "/ui";
  /** The console's own answers under {@code /ui}, which need a session; the rest of {@code /ui} is its files. */
  private static final String CONSOLE_API = "/ui/api/";

  private final boolean enabled;
  private final boolean monitoringOpen;
  private final TokenRegistry tokens;
  private final ClientCertificates certificates;
  private final FailedAuthLimiter limiter;
  private final ConsoleSessions sessions;

  /**
   * @param enabled        false: every request acts as {@code anonymous}, with every role
   * @param monitoringOpen whether {@code /health/ready} and {@code /metrics} are served without a token
   * @param certificates   principals of client certificates (mutual TLS), or null when not configured
   * @param sessions       the web console's logged-in browsers
   */
  public AuthHandler(boolean enabled, boolean monitoringOpen, TokenRegistry tokens, ClientCertificates certificates,
                     int maxFailuresPerMinute, ConsoleSessions sessions) {
    this.enabled = enabled;
    this.sessions = sessions;
    this.monitoringOpen = monitoringOpen;
    this.tokens = tokens;
    this.certificates = certificates;
    this.limiter = new FailedAuthLimiter(maxFailuresPerMinute);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (path.equals("/health/live") || path.equals("/openapi.json")
        || (monitoringOpen && (path.equals("/health/ready") || path.equals("/metrics")))
        || consolePublic(path, ctx.request().method())) {
      ctx.next();
      return;
    }
    if (!enabled) {
      ctx.put(Access.PRINCIPAL, Principal.ANONYMOUS);
      ctx.next();
      return;
    }
    long now = System.currentTimeMillis();
    String address = address(ctx);
    long blockedSeconds = limiter.blockedFor(address, now);
    if (blockedSeconds > 0) {
      // Not audited one by one: a blocked client could otherwise fill the disk at request rate.
      ctx.fail(AuthProblems.tooManyFailures(blockedSeconds));
      return;
    }
    Principal principal;
    try {
      principal = authenticate(ctx, now);
    } catch (ApiException denied) {
      String method = ctx.request().method().name();
      Audit.record("auth-failed", null, null, method, path, address, denied.code());
      if (limiter.failed(address, now)) {
        Audit.record("auth-throttled", null, null, method, path, address,
            "further attempts from this address get 429 for the rest of the minute");
      }
      ctx.fail(denied);
      return;
    }
    ConsoleSessions.Session session = ctx.get(Access.CONSOLE_SESSION);
    if (session != null) {
      ApiException forged = ConsoleSessions.forgery(ctx.request(), session);
      if (forged != null) {
        Audit.record("csrf-rejected", principal.name(), principal.tokenId(), ctx.request().method().name(), path,
            address, forged.getMessage());
        ctx.fail(forged);
        return;
      }
    }
    ctx.put(Access.PRINCIPAL, principal);
    ctx.put(Access.TOKENS, tokens);
    Role needed = requiredRole(path);
    if (needed != null) {
      Access.require(ctx, needed, "");
    }
    ctx.next();
  }

  /**
   * The GET fast path's check for one event loop: it grants only what this handler would, and
   * leaves every refusal to the router, so refusals are decided, audited and counted in one place.
   */
  public FastReadAuth fastReadAuth() {
    return new FastReadAuth(enabled, tokens, limiter);
  }

  /**
   * Logs a browser in to the console with a token it posted: the token's principal, or null once
   * the request has been failed (401, audited and counted against the address like any failed
   * authentication, or 429 while the address is throttled).
   */
  public Principal consoleLogin(RoutingContext ctx, String token) {
    if (!enabled) {
      return Principal.ANONYMOUS;
    }
    long now = System.currentTimeMillis();
    String address = address(ctx);
    long blockedSeconds = limiter.blockedFor(address, now);
    if (blockedSeconds > 0) {
      ctx.fail(AuthProblems.tooManyFailures(blockedSeconds));
      return null;
    }
    try {
      return tokens.authenticate(token, now);
    } catch (ApiException denied) {
      Audit.record("auth-failed", null, null, "POST", ctx.normalizedPath(), address, denied.code());
      if (limiter.failed(address, now)) {
        Audit.record("auth-throttled", null, null, "POST", ctx.normalizedPath(), address,
            "further attempts from this address get 429 for the rest of the minute");
      }
      ctx.fail(denied);
      return null;
    }
  }

  /** The console session a request was authenticated with, or null for other credentials. */
  public static ConsoleSessions.Session consoleSession(RoutingContext ctx) {
    return ctx.get(Access.CONSOLE_SESSION);
  }

  /** The console's files, and its login form's POST: served without credentials. */
  private static boolean consolePublic(String path, HttpMethod method) {
    if (path.equals(CONSOLE_SESSION_PATH)) {
      return method == HttpMethod.POST;
    }
    return path.equals(CONSOLE) || (path.startsWith(CONSOLE + "/") && !path.startsWith(CONSOLE_API));
  }

  /** A bearer token when there is one, else the console's session cookie, else a verified client certificate (mutual TLS). */
  private Principal authenticate(RoutingContext ctx, long now) {
    String authorization = ctx.request().getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization == null) {
      String sessionId = ConsoleSessions.cookieValue(ctx.request());
      if (sessionId != null) {
        ConsoleSessions.Session session = sessions.find(sessionId, now);
        if (session == null) {
          throw AuthProblems.sessionEnded();
        }
        ctx.put(Access.CONSOLE_SESSION, session);
        ctx.put(Access.CONSOLE_SESSIONS, sessions);
        return session.principal();
      }
      Principal byCertificate = certificates == null ? null : certificates.principal(ctx.request());
      if (byCertificate != null) {
        return byCertificate;
      }
      throw AuthProblems.missing();
    }
    String token = bearerToken(authorization);
    if (token == null) {
      throw AuthProblems.invalid("the Authorization header must be 'Bearer <token>'");
    }
    return tokens.authenticate(token, now);
  }

  /** The token of a {@code Bearer <token>} header (scheme case-insensitive), or null for any other. */
  static String bearerToken(String authorization) {
    if (authorization == null || authorization.length() <= BEARER.length()
        || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return authorization.substring(BEARER.length()).trim();
  }

  private static Role requiredRole(String path) {
    for (Map.Entry<String, Role> rule : PATH_ROLES.entrySet()) {
      String prefix = rule.getKey();
      if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
        return rule.getValue();
      }
    }
    return null;
  }

  public static String address(RoutingContext ctx) {
    return address(ctx.request());
  }

  public static String address(HttpServerRequest request) {
    SocketAddress remote = request.remoteAddress();
    return remote == null || remote.hostAddress() == null ? "unknown" : remote.hostAddress();
  }
}
