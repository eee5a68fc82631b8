package io.ssot.security;

import io.ssot.http.ApiException;
import io.vertx.ext.web.RoutingContext;

/**
 * The permission checks handlers make once {@link AuthHandler} has authenticated the request:
 * one call per handler, naming the role it needs and the key or prefix it touches.
 */
public final class Access {

  static final String PRINCIPAL = "ssot.principal";
  static final String TOKENS = "ssot.tokens";
  /** The console session a request came with (a cookie instead of a bearer token), and the sessions. */
  static final String CONSOLE_SESSION = "ssot.consoleSession";
  static final String CONSOLE_SESSIONS = "ssot.consoleSessions";

  private Access() {
  }

  /** Who the request acts as (its name is the {@code updatedBy} of its writes). */
  public static Principal principal(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    if (p == null) {
      // Fail closed: a route reached without the auth handler is a wiring mistake.
      throw new IllegalStateException("no principal on " + ctx.request().path() + ": the auth handler did not run");
    }
    return p;
  }

  /**
   * Requires {@code role} on a key, or on a whole prefix for a listing or prefix watch.
   *
   * @throws ApiException 403 naming the role and the key or prefix
   */
  public static void require(RoutingContext ctx, Role role, String keyOrPrefix) {
    ApiException denied = denial(ctx, role, keyOrPrefix);
    if (denied != null) {
      throw denied;
    }
  }

  /** As {@link #require}, returning the 403 (already audited) instead of throwing it, or null when allowed. */
  public static ApiException denial(RoutingContext ctx, Role role, String keyOrPrefix) {
    Principal p = principal(ctx);
    if (p.allows(role, keyOrPrefix)) {
      return null;
    }
    Audit.record("forbidden", p.name(), p.tokenId(), ctx.request().method().name(), ctx.request().path(),
        AuthHandler.address(ctx), "needs " + role.wireName() + " on '" + keyOrPrefix + "'");
    return AuthProblems.forbidden(p, role, keyOrPrefix);
  }

  /**
   * Whether the request's token still works, and its console session when it came with one (a
   * long-lived connection asks before each new watch).
   */
  public static boolean active(RoutingContext ctx) {
    long now = System.currentTimeMillis();
    TokenRegistry tokens = ctx.get(TOKENS);
    ConsoleSessions.Session session = ctx.get(CONSOLE_SESSION);
    ConsoleSessions sessions = ctx.get(CONSOLE_SESSIONS);
    return (tokens == null || tokens.active(principal(ctx), now))
        && (session == null || sessions.find(session.id(), now) != null);
  }

  /** The 401 that ends a long-poll whose token was revoked or expired while it waited. */
  public static ApiException tokenEnded() {
    return AuthProblems.invalid("the token was revoked or expired during the wait");
  }

  /**
   * Runs {@code onEnd} on this event loop when the request's token is revoked or expires, or the
   * console session it came with ends (logout, expiry), for connections that outlive a request
   * (watches, long-polls); once, when both happen.
   *
   * @return what to call when the connection ends first
   */
  public static Runnable onTokenEnd(RoutingContext ctx, Runnable onEnd) {
    TokenRegistry tokens = ctx.get(TOKENS);
    ConsoleSessions.Session session = ctx.get(CONSOLE_SESSION);
    if (session == null) {
      return tokens == null ? () -> { } : tokens.onTokenEnd(principal(ctx), onEnd);
    }
    // Both run on this event loop: a plain flag is enough to run onEnd once.
    boolean[] ended = {false};
    Runnable once = () -> {
      if (!ended[0]) {
        ended[0] = true;
        onEnd.run();
      }
    };
    ConsoleSessions sessions = ctx.get(CONSOLE_SESSIONS);
    Runnable untoken = tokens.onTokenEnd(principal(ctx), once);
    Runnable unsession = sessions.onEnd(session, once);
    return () -> {
      untoken.run();
      unsession.run();
    };
  }

}
