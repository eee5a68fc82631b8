package io.ssot.console;

import io.ssot.http.Compression;
import io.ssot.http.ApiException;
import io.ssot.http.RequestBody;
import io.ssot.protocol.Problem;
import io.ssot.security.Access;
import io.ssot.security.Audit;
import io.ssot.security.AuthHandler;
import io.ssot.security.ConsoleSessions;
import io.ssot.security.Grant;
import io.ssot.security.Principal;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * The web console's routes: its files under {@code /ui} (free of credentials, like any login
 * page), {@code /ui/session} (POST logs in with a token in a JSON body, GET says who is logged in
 * and hands the page its CSRF token, DELETE logs out), and {@code /ui/api/overview}. Every answer
 * under {@code /ui} carries headers that keep the console's pages to this server's own scripts
 * and out of other sites' frames.
 */
public final class ConsoleRoutes {

  /** Nothing but this server's own files; no inline script or style; never framed. */
  static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
      + "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
      + "frame-ancestors 'none'";
  private static final long MAX_LOGIN_BYTES = 4096;

  private final ConsoleFiles files = ConsoleFiles.load();
  private final AuthHandler auth;
  private final ConsoleSessions sessions;
  private final RequestBody bodies;
  private final Overview overview;

  public ConsoleRoutes(AuthHandler auth, ConsoleSessions sessions, RequestBody bodies, Overview overview) {
    this.auth = auth;
    this.sessions = sessions;
    this.bodies = bodies;
    this.overview = overview;
  }

  public void mount(Router router) {
    // Before authentication (-1), after admission (-2, mounted earlier), so that its refusals under
    // /ui carry them too; no path, so that it names no route for the request metrics.
    router.route().order(-2).handler(ConsoleRoutes::securityHeaders);
    router.post(AuthHandler.CONSOLE_SESSION_PATH).setName(AuthHandler.CONSOLE_SESSION_PATH).handler(this::login);
    router.get(AuthHandler.CONSOLE_SESSION_PATH).setName(AuthHandler.CONSOLE_SESSION_PATH).handler(this::whoAmI);
    router.delete(AuthHandler.CONSOLE_SESSION_PATH).setName(AuthHandler.CONSOLE_SESSION_PATH).handler(this::logout);
    router.route(AuthHandler.CONSOLE_SESSION_PATH).setName(AuthHandler.CONSOLE_SESSION_PATH).handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use POST, GET or DELETE").header("Allow", "POST, GET, DELETE")));
    router.get("/ui/api/overview").setName("/ui/api/overview").handler(overview::handle);
    router.route("/ui/api/overview").setName("/ui/api/overview").handler(ConsoleRoutes::onlyGet);
    router.get("/ui").setName("/ui").handler(ctx -> serve(ctx, "index.html"));
    router.route("/ui").setName("/ui").handler(ConsoleRoutes::onlyGet);
    router.get("/ui/*").setName("/ui/{file}").handler(ctx -> serve(ctx, ctx.normalizedPath().substring(4)));
    router.route("/ui/*").setName("/ui/{file}").handler(ConsoleRoutes::onlyGet);
  }

  /** A 405 names the methods that are allowed (RFC 9110 15.5.6), which the router's own 405 does not. */
  private static void onlyGet(RoutingContext ctx) {
    ctx.fail(new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET").header("Allow", "GET"));
  }

  private static void securityHeaders(RoutingContext ctx) {
    // The raw path: this runs before the path guard, and normalizing a bad escape (%zz) throws.
    String path = ctx.request().path();
    if (!path.equals("/ui") && !path.startsWith("/ui/")) {
      ctx.next();
      return;
    }
    ctx.response().headers()
        .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .set("X-Content-Type-Options", "nosniff")
        .set("X-Frame-Options", "DENY")
        .set("Referrer-Policy", "no-referrer")
        .set("Cross-Origin-Opener-Policy", "same-origin");
    ctx.next();
  }

  /** A file, revalidated by its ETag on every use: a new jar's files are seen at once, unchanged ones cost a 304. */
  private void serve(RoutingContext ctx, String name) {
    ConsoleFiles.File file = files.get(name);
    if (file == null) {
      throw new ApiException(Problem.NOT_FOUND, "the console has no file " + name);
    }
    MultiMap headers = ctx.response().headers()
        .set("Cache-Control", "no-cache")
        .set("ETag", file.etag());
    if (file.etag().equals(ctx.request().getHeader("If-None-Match"))) {
      ctx.response().setStatusCode(304).end();
      return;
    }
    headers.set("Content-Type", file.contentType());
    Compression.end(ctx, file.bytes());
  }

  private void login(RoutingContext ctx) {
    ApiException crossSite = ConsoleSessions.crossSiteLogin(ctx.request());
    if (crossSite != null) {
      ctx.fail(crossSite);
      return;
    }
    bodies.read(ctx, MAX_LOGIN_BYTES).onSuccess(body -> {
      String token;
      try {
        token = new JsonObject(body.toString()).getString("token");
      } catch (DecodeException | ClassCastException e) {
        token = null;
      }
      if (token == null || token.isEmpty()) {
        ctx.fail(new ApiException(Problem.INVALID_JSON, "the body must be {\"token\": \"<token>\"}"));
        return;
      }
      Principal principal = auth.consoleLogin(ctx, token);
      if (principal == null) {
        return; // failed, audited and counted
      }
      ConsoleSessions.Session session = sessions.open(principal, System.currentTimeMillis());
      Audit.record("console-login", principal.name(), principal.tokenId(), "POST", ctx.normalizedPath(),
          AuthHandler.address(ctx), "session until " + Instant.ofEpochMilli(session.expiresAt()));
      ctx.response().addCookie(ConsoleSessions.cookie(session, ctx.request().isSSL()));
      answer(ctx, principal, session);
    }).onFailure(ctx::fail);
  }

  private void whoAmI(RoutingContext ctx) {
    answer(ctx, Access.principal(ctx), AuthHandler.consoleSession(ctx));
  }

  private void logout(RoutingContext ctx) {
    ConsoleSessions.Session session = AuthHandler.consoleSession(ctx);
    if (session != null) {
      sessions.close(session.id());
    }
    ctx.response().addCookie(ConsoleSessions.expiredCookie(ctx.request().isSSL()))
        .putHeader("Cache-Control", "no-store").setStatusCode(204).end();
  }

  /** Who is logged in, what their token may do, and the CSRF token the page must send with its changes. */
  private static void answer(RoutingContext ctx, Principal principal, ConsoleSessions.Session session) {
    JsonArray roles = new JsonArray();
    for (Grant g : principal.grants()) {
      roles.add(new JsonObject().put("role", g.role().wireName()).put("prefix", g.prefix()));
    }
    JsonObject json = new JsonObject()
        .put("principal", principal.name())
        .put("roles", roles)
        .put("expiresAt", session == null ? null : Instant.ofEpochMilli(session.expiresAt()).toString())
        .put("csrfToken", session == null ? null : session.csrfToken());
    ctx.response().putHeader("Content-Type", "application/json").putHeader("Cache-Control", "no-store")
        .end(json.encode());
  }
}
