package io.ssot.security;

import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The web console's browser sessions. A browser logs in once with a token and gets an opaque
 * random session id in an HttpOnly, SameSite=Strict cookie (Secure over TLS), so the token never
 * sits in a URL, a log or the page's script. The id maps, here and nowhere else, to the principal
 * of that token, a CSRF token and an expiry: {@code ui.sessionTtl}, never past the token's own.
 * A session ends at logout, at its expiry, or as soon as its token is revoked or expires (checked
 * on every request that uses it); its open watches end with it. Sessions live in this node's
 * memory: a restart ends them.
 *
 * <p>A cookie is sent by the browser on its own, so a request that carries one is accepted only
 * when no other site can have made it ({@link #forgery}): a write must repeat the session's CSRF
 * token in {@value #CSRF_HEADER}, which only the console's own script can read (from the login
 * answer or {@code GET /ui/session}); an {@code Origin}, when sent, must be this server's; and a
 * WebSocket upgrade, which no CSRF header can accompany, must send this server's {@code Origin}.
 */
public final class ConsoleSessions {

  public static final String COOKIE = "ssot_session";
  public static final String CSRF_HEADER = "X-CSRF-Token";
  /** Most sessions held: past it, logging in ends the oldest, so memory stays bounded. */
  static final int MAX_SESSIONS = 10_000;

  /** One logged-in browser; {@code id} is the cookie's value. */
  public record Session(String id, String csrfToken, Principal principal, long expiresAt) {
  }

  /** A connection that ends with its session, on its own event loop. */
  private record Ender(Context context, Runnable onEnd) {
  }

  private final TokenRegistry tokens;
  private final Map<String, Set<Ender>> enders = new ConcurrentHashMap<>();
  private final long ttlMillis;
  /** In order of creation, so the oldest is first to go. Guarded by {@code this}. */
  private final LinkedHashMap<String, Session> byId = new LinkedHashMap<>();

  public ConsoleSessions(TokenRegistry tokens, long ttlMillis) {
    this.tokens = tokens;
    this.ttlMillis = ttlMillis;
  }

  /** A new session for a principal whose token was just verified. */
  public Session open(Principal principal, long now) {
    long expiresAt = now + ttlMillis;
    if (principal.expiresAt() != 0) {
      expiresAt = Math.min(expiresAt, principal.expiresAt());
    }
    Session session = new Session(Secrets.newSecret(), Secrets.newSecret(), principal, expiresAt);
    synchronized (this) {
      if (byId.size() >= MAX_SESSIONS) {
        dropExpired(now);
      }
      if (byId.size() >= MAX_SESSIONS) {
        Iterator<String> oldest = byId.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      byId.put(session.id(), session);
    }
    return session;
  }

  /** The live session of a cookie's id, or null when there is none (logged out, expired, token revoked). */
  public Session find(String id, long now) {
    Session session;
    synchronized (this) {
      session = byId.get(id);
    }
    if (session == null) {
      return null;
    }
    if (now >= session.expiresAt() || !tokens.active(session.principal(), now)) {
      close(id);
      return null;
    }
    return session;
  }

  /** Ends a session (logout), and the connections that live as long as it. */
  public void close(String id) {
    synchronized (this) {
      byId.remove(id);
    }
    Set<Ender> ending = enders.remove(id);
    if (ending != null) {
      ending.forEach(e -> e.context().runOnContext(v -> e.onEnd().run()));
    }
  }

  /**
   * Runs {@code onEnd} on the calling event loop once the session ends (logout, expiry, its token
   * revoked), for connections that outlive a request. Returns what to call when the connection ends first.
   */
  Runnable onEnd(Session session, Runnable onEnd) {
    Ender ender = new Ender(Vertx.currentContext(), onEnd);
    enders.computeIfAbsent(session.id(), k -> ConcurrentHashMap.newKeySet()).add(ender);
    if (find(session.id(), System.currentTimeMillis()) == null) {
      close(session.id()); // ended between its authentication and now
    }
    return () -> enders.computeIfPresent(session.id(), (k, set) -> {
      set.remove(ender);
      return set.isEmpty() ? null : set;
    });
  }

  /** Ends the connections of sessions that expire, checked every second. */
  public void startExpiryChecks(Vertx vertx) {
    vertx.setPeriodic(1000, id -> {
      long now = System.currentTimeMillis();
      for (String sessionId : enders.keySet()) {
        if (find(sessionId, now) == null) {
          close(sessionId);
        }
      }
    });
  }

  /** Sessions held now, live or not yet noticed to have ended. */
  public synchronized int size() {
    return byId.size();
  }

  private void dropExpired(long now) {
    byId.values().removeIf(s -> now >= s.expiresAt() || !tokens.active(s.principal(), now));
  }

  /** The session id a request's cookie names, or null when it sends none. */
  public static String cookieValue(HttpServerRequest request) {
    Cookie cookie = request.getCookie(COOKIE);
    return cookie == null || cookie.getValue().isEmpty() ? null : cookie.getValue();
  }

  /** The cookie that carries a new session: Secure whenever the request came over TLS. */
  public static Cookie cookie(Session session, boolean tls) {
    return Cookie.cookie(COOKIE, session.id()).setPath("/").setHttpOnly(true).setSecure(tls)
        .setSameSite(CookieSameSite.STRICT);
  }

  /** The cookie that makes the browser forget its session. */
  public static Cookie expiredCookie(boolean tls) {
    return Cookie.cookie(COOKIE, "").setPath("/").setHttpOnly(true).setSecure(tls)
        .setSameSite(CookieSameSite.STRICT).setMaxAge(0);
  }

  /**
   * Why a request with the session's cookie might have been made by another site, or null when it
   * cannot have been.
   */
  static ApiException forgery(HttpServerRequest request, Session session) {
    String origin = request.getHeader("Origin");
    if (origin != null && !origin.equals(ownOrigin(request))) {
      return rejected("the request comes from " + origin + ", not from this server's console");
    }
    if (origin == null && isWebSocketUpgrade(request)) {
      return rejected("a WebSocket with the console's cookie needs this server's Origin header");
    }
    if (!safe(request.method()) && !sameSecret(request.getHeader(CSRF_HEADER), session.csrfToken())) {
      return rejected("a change made with the console's cookie needs the session's " + CSRF_HEADER + " header");
    }
    return null;
  }

  /**
   * Why a login might have been posted by another site's page (to log the browser in as someone
   * else), or null: a login must be JSON, which no plain HTML form can send, from this server's
   * own origin when the browser names one.
   */
  public static ApiException crossSiteLogin(HttpServerRequest request) {
    String type = request.getHeader("Content-Type");
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
      return new ApiException(Problem.UNSUPPORTED_MEDIA_TYPE, "a login is a JSON body: Content-Type: application/json");
    }
    String origin = request.getHeader("Origin");
    if (origin != null && !origin.equals(ownOrigin(request))) {
      return rejected("the login comes from " + origin + ", not from this server's console");
    }
    return null;
  }

  private static boolean safe(HttpMethod method) {
    return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS;
  }

  private static boolean isWebSocketUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader("Upgrade");
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /** The origin a page served by this server has: the scheme it was reached by and the authority it named. */
  private static String ownOrigin(HttpServerRequest request) {
    HostAndPort authority = request.authority();
    if (authority == null) {
      return null;
    }
    String scheme = request.isSSL() ? "https://" : "http://";
    return authority.port() < 0 ? scheme + authority.host() : scheme + authority.host() + ":" + authority.port();
  }

  private static boolean sameSecret(String given, String expected) {
    return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8));
  }

  private static ApiException rejected(String detail) {
    return new ApiException(Problem.CSRF_REJECTED, detail);
  }
}
