package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's browser sessions against a real server: the cookie a login sets, what it is
 * accepted for (reads; writes only with the session's CSRF token; a WebSocket only from this
 * server's Origin), and what ends it (logout, revoking its token). Bearer tokens work as before.
 */
class ConsoleSessionTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().setting("auth.maxFailuresPerMinute", "0").build();

  @TempDir
  static Path certDir;

  private static String writerToken;
  private static String readerToken;

  /** A logged-in browser: the cookie header to send and the CSRF token of its session. */
  private record Browser(String cookie, String csrf, Http.Response login) {

    Map<String, String> headers(String... more) {
      Map<String, String> h = new HashMap<>(Map.of("Cookie", cookie, "Content-Type", "application/json"));
      for (int i = 0; i < more.length; i += 2) {
        h.put(more[i], more[i + 1]);
      }
      return h;
    }
  }

  @BeforeAll
  static void tokens() {
    writerToken = create("console-writer", "write", "c/");
    readerToken = create("console-reader", "read", "c/");
    assertEquals(201, server.http().put("/v1/kv/c/k", "{\"v\":1}").status());
  }

  private static String create(String name, String role, String prefix) {
    JsonObject body = new JsonObject().put("name", name)
        .put("roles", new JsonArray().add(new JsonObject().put("role", role).put("prefix", prefix)));
    Http.Response r = server.http().post("/v1/tokens", body.encode());
    assertEquals(201, r.status(), r::toString);
    return r.json().getString("token");
  }

  private static Browser login(Http http, String token) {
    Http.Response r = http.anonymous().post("/ui/session", new JsonObject().put("token", token).encode());
    assertEquals(200, r.status(), r::toString);
    String setCookie = r.header("Set-Cookie");
    assertNotNull(setCookie, r.headers().toString());
    String pair = setCookie.substring(0, setCookie.indexOf(';'));
    assertTrue(pair.startsWith("ssot_session=") && pair.length() > 40, setCookie);
    return new Browser(pair, r.json().getString("csrfToken"), r);
  }

  private static Http.Response send(HttpMethod method, String uri, Map<String, String> headers, String body) {
    return server.http().anonymous().send(method, uri, headers, body);
  }

  @Test
  void loginSetsAnHttpOnlyStrictCookieNotSecureOnPlainHttp() {
    Browser b = login(server.http(), writerToken);
    String setCookie = b.login().header("Set-Cookie");
    assertTrue(setCookie.toLowerCase(java.util.Locale.ROOT).contains("httponly"), setCookie);
    assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
    assertTrue(setCookie.contains("Path=/"), setCookie);
    assertFalse(setCookie.contains("Secure"), "no Secure over plain HTTP: " + setCookie);
    assertFalse(setCookie.contains(writerToken), "the cookie is not the token");
    assertEquals("no-store", b.login().header("Cache-Control"));
    JsonObject who = b.login().json();
    assertEquals("console-writer", who.getString("principal"));
    assertEquals("write", who.getJsonArray("roles").getJsonObject(0).getString("role"));
    assertTrue(b.csrf().length() >= 32, who::toString);
  }

  @Test
  void aBadTokenGetsNoSession() {
    Http.Response r = server.http().anonymous().post("/ui/session",
        new JsonObject().put("token", "ssot_0123456789abcdef_notTheSecretOfAnyToken").encode());
    assertEquals(401, r.status(), r::toString);
    assertNull(r.header("Set-Cookie"));
    assertEquals(400, server.http().anonymous().post("/ui/session", "{\"tok\":1}").status());
    String login = new JsonObject().put("token", writerToken).encode();
    Http.Response form = send(HttpMethod.POST, "/ui/session", Map.of("Content-Type", "text/plain"), login);
    assertEquals(415, form.status(), "a plain HTML form cannot log a browser in: " + form);
    Http.Response foreign = send(HttpMethod.POST, "/ui/session",
        Map.of("Content-Type", "application/json", "Origin", "https://evil.example"), login);
    assertEquals(403, foreign.status(), foreign::toString);
    assertNull(foreign.header("Set-Cookie"));
    assertEquals(400, server.http().anonymous().post("/ui/session", "not json").status());
  }

  @Test
  void theCookieReadsAndWritesOnlyWithTheCsrfToken() {
    Browser b = login(server.http(), writerToken);
    Http.Response read = send(HttpMethod.GET, "/v1/kv/c/k", b.headers(), null);
    assertEquals(200, read.status(), read::toString);
    assertEquals(200, send(HttpMethod.GET, "/v1/kv?prefix=c/", b.headers(), null).status());
    Http.Response overview = send(HttpMethod.GET, "/ui/api/overview", b.headers(), null);
    assertEquals(200, overview.status(), overview::toString);
    JsonObject figures = overview.json();
    assertEquals(Long.parseLong(read.header("X-Ssot-Revision")), figures.getLong("revision"), figures::toString);
    assertTrue(figures.getJsonObject("requests").getLong("reads") >= 2, figures::toString);
    assertNull(figures.getValue("writeBehind"), "no PostgreSQL configured");
    assertNull(figures.getValue("cluster"), "not in cluster mode");
    Http.Response whoAmI = send(HttpMethod.GET, "/ui/session", b.headers(), null);
    assertEquals(b.csrf(), whoAmI.json().getString("csrfToken"), "a reloaded page gets its CSRF token back");

    Http.Response noCsrf = send(HttpMethod.PUT, "/v1/kv/c/k", b.headers(), "{\"v\":2}");
    assertEquals(403, noCsrf.status(), noCsrf::toString);
    assertEquals("csrf-rejected", noCsrf.json().getString("code"));
    Http.Response wrongCsrf = send(HttpMethod.PUT, "/v1/kv/c/k", b.headers("X-CSRF-Token", "guess"), "{\"v\":2}");
    assertEquals(403, wrongCsrf.status());
    assertEquals(403, send(HttpMethod.DELETE, "/v1/kv/c/k", b.headers(), null).status());
    assertEquals(403, send(HttpMethod.POST, "/v1/rollback/c/k", b.headers(), "{\"toRevision\":1}").status());
    assertEquals(403, send(HttpMethod.DELETE, "/ui/session", b.headers(), null).status(), "no logout by another site");
    assertEquals(1, server.http().get("/v1/kv/c/k").json().getJsonObject("value").getInteger("v"), "nothing changed");

    Http.Response foreignOrigin = send(HttpMethod.PUT, "/v1/kv/c/k",
        b.headers("X-CSRF-Token", b.csrf(), "Origin", "https://evil.example"), "{\"v\":3}");
    assertEquals(403, foreignOrigin.status(), foreignOrigin::toString);

    Http.Response ok = send(HttpMethod.PUT, "/v1/kv/c/k",
        b.headers("X-CSRF-Token", b.csrf(), "Origin", "http://127.0.0.1:" + server.port()), "{\"v\":4}");
    assertEquals(200, ok.status(), ok::toString);
    JsonObject now = server.http().get("/v1/kv/c/k").json();
    assertEquals(4, now.getJsonObject("value").getInteger("v"));
    assertEquals("console-writer", now.getString("updatedBy"), "the session acts as its token's principal");
  }

  @Test
  void aReadOnlySessionGets403OnWrites() {
    Browser b = login(server.http(), readerToken);
    assertEquals(200, send(HttpMethod.GET, "/v1/kv/c/k", b.headers(), null).status());
    Http.Response write = send(HttpMethod.PUT, "/v1/kv/c/k", b.headers("X-CSRF-Token", b.csrf()), "{\"v\":9}");
    assertEquals(403, write.status(), write::toString);
    assertEquals("forbidden", write.json().getString("code"));
  }

  @Test
  void logoutEndsTheSession() {
    Browser b = login(server.http(), writerToken);
    Http.Response out = send(HttpMethod.DELETE, "/ui/session", b.headers("X-CSRF-Token", b.csrf()), null);
    assertEquals(204, out.status(), out::toString);
    assertTrue(out.header("Set-Cookie").contains("Max-Age=0"), out.headers().toString());
    Http.Response after = send(HttpMethod.GET, "/v1/kv/c/k", b.headers(), null);
    assertEquals(401, after.status(), after::toString);
    assertEquals(401, send(HttpMethod.GET, "/ui/session", b.headers(), null).status());
  }

  @Test
  void revokingTheTokenEndsItsSessions() {
    JsonObject created = server.http().post("/v1/tokens", new JsonObject().put("name", "console-doomed")
        .put("roles", new JsonArray().add(new JsonObject().put("role", "read").put("prefix", "c/"))).encode()).json();
    Browser one = login(server.http(), created.getString("token"));
    Browser two = login(server.http(), created.getString("token"));
    assertEquals(200, send(HttpMethod.GET, "/v1/kv/c/k", one.headers(), null).status());
    assertEquals(200, server.http().delete("/v1/tokens/" + created.getString("id")).status());
    assertEquals(401, send(HttpMethod.GET, "/v1/kv/c/k", one.headers(), null).status());
    assertEquals(401, send(HttpMethod.GET, "/v1/kv/c/k", two.headers(), null).status());
  }

  @Test
  void aSessionEndsWithItsTokensExpiry() throws Exception {
    JsonObject shortLived = server.http().post("/v1/tokens", new JsonObject().put("name", "console-brief")
        .put("roles", new JsonArray().add(new JsonObject().put("role", "read").put("prefix", "c/")))
        .put("ttl", "2s").encode()).json();
    Browser b = login(server.http(), shortLived.getString("token"));
    assertEquals(200, send(HttpMethod.GET, "/v1/kv/c/k", b.headers(), null).status());
    Thread.sleep(2200);
    Http.Response after = send(HttpMethod.GET, "/v1/kv/c/k", b.headers(), null);
    assertEquals(401, after.status(), after::toString);
  }

  @Test
  void bearerTokensWorkAsBeforeAndWinOverACookie() {
    Browser reader = login(server.http(), readerToken);
    Map<String, String> headers = new HashMap<>(reader.headers());
    headers.put("Authorization", "Bearer " + writerToken);
    Http.Response r = send(HttpMethod.PUT, "/v1/kv/c/bearer", headers, "{\"v\":1}");
    assertEquals(201, r.status(), "the bearer token, not the reader's cookie, and no CSRF token needed: " + r);
  }

  @Test
  void theWebSocketTakesTheCookieOnlyFromThisServersOriginAndEndsAtLogout() throws Exception {
    Browser b = login(server.http(), writerToken);
    String own = "http://127.0.0.1:" + server.port();
    WebSocketClient client = server.vertx().createWebSocketClient();
    try {
      UpgradeRejectedException foreign = assertThrows(UpgradeRejectedException.class,
          () -> connect(client, b.cookie(), "https://evil.example"));
      assertEquals(403, foreign.getStatus());
      UpgradeRejectedException none = assertThrows(UpgradeRejectedException.class,
          () -> connect(client, b.cookie(), null));
      assertEquals(403, none.getStatus());

      WebSocket ws = connect(client, b.cookie(), own);
      BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
      ws.textMessageHandler(text -> messages.add(new JsonObject(text)));
      ws.writeTextMessage(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "c/").encode()).await();
      JsonObject created = messages.poll(5, TimeUnit.SECONDS);
      assertNotNull(created);
      assertEquals(Boolean.TRUE, created.getBoolean("created"), created::toString);

      java.util.concurrent.CompletableFuture<Short> closed = new java.util.concurrent.CompletableFuture<>();
      ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
      Http.Response out = send(HttpMethod.DELETE, "/ui/session", b.headers("X-CSRF-Token", b.csrf()), null);
      assertEquals(204, out.status(), out::toString);
      JsonObject ended = messages.poll(5, TimeUnit.SECONDS);
      assertNotNull(ended, "the watch is told it ended");
      assertEquals("token-revoked", ended.getString("error"), ended::toString);
      assertEquals((short) 1008, closed.get(5, TimeUnit.SECONDS), "logout closes the session's WebSocket");
    } finally {
      client.close().await();
    }
  }

  private static WebSocket connect(WebSocketClient client, String cookie, String origin) {
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(server.port())
        .setURI("/v1/watch").addHeader("Cookie", cookie).setAllowOriginHeader(origin != null);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    return client.connect(options).await();
  }

  @Test
  void consoleFilesComeWithSecurityAndCacheHeaders() {
    Http.Response page = server.http().anonymous().get("/ui");
    assertEquals(200, page.status(), page::toString);
    assertTrue(page.header("Content-Type").startsWith("text/html"), page.headers().toString());
    assertTrue(page.header("Content-Security-Policy").contains("default-src 'self'"));
    assertTrue(page.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
    assertEquals("nosniff", page.header("X-Content-Type-Options"));
    assertEquals("no-cache", page.header("Cache-Control"));
    String etag = page.header("ETag");
    assertEquals(304, server.http().anonymous().get("/ui", Map.of("If-None-Match", etag)).status());
    assertEquals(404, server.http().anonymous().get("/ui/no-such-file.js").status());
    assertEquals(401, server.http().anonymous().get("/ui/api/overview").status(), "the figures need a login");
  }

  @Test
  void overTlsTheCookieIsSecure() throws Exception {
    SelfSignedPem pem = SelfSignedPem.write(certDir);
    try (TestServer tls = TestServer.start(Map.of("tls.cert", pem.cert().toString(), "tls.key", pem.key().toString()));
         Http https = new Http(server.vertx(), tls.port(), new HttpClientOptions().setSsl(true)
             .setTrustOptions(new PemTrustOptions().addCertPath(pem.cert().toString())))) {
      Browser b = login(https, TestServer.ADMIN_TOKEN);
      String setCookie = b.login().header("Set-Cookie");
      assertTrue(List.of(setCookie.split(";\\s*")).contains("Secure"), setCookie);
      assertTrue(setCookie.toLowerCase(java.util.Locale.ROOT).contains("httponly"), setCookie);
      assertTrue(setCookie.contains("SameSite=Strict"), setCookie);
      assertEquals(200, https.anonymous().get("/v1/kv?prefix=", b.headers()).status());
    }
  }
}
