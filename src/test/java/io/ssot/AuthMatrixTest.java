package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every endpoint against every kind of caller, with the status each must get; then the rules
 * behind it (a listing or prefix watch needs read on the whole range, a txn needs every key's
 * role whichever branch runs) and revocation, which ends open watches and long-polls at once.
 */
@ExtendWith(VertxExtension.class)
class AuthMatrixTest {

  /** The matrix sends dozens of bad tokens from one address: the failed-auth limiter is tested elsewhere. */
  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().setting("auth.maxFailuresPerMinute", "0").build();

  /**
   * The revocation is pushed to the watches at once (measured: well under 0.1 s), with the check
   * every second as a backstop; the bound leaves room for a loaded machine and is still far below
   * what would end them otherwise (the 30 s long-poll, the 10 s progress interval).
   */
  private static final long REVOCATION_BOUND_SECONDS = 5;

  /** The kinds of caller. Tokens with roles are on the prefix {@code m/}. */
  enum Who { NONE, BAD, EXPIRED, REVOKED, READ_OTHER_PREFIX, READ, WRITE, ADMIN }

  /** What an endpoint needs. */
  enum Needs { NOTHING, READ, WRITE, ADMIN }

  private record Endpoint(String name, Needs needs, int ok, BiFunction<Http, String, Integer> call) {
  }

  private static HttpClient sseClient;
  private static final Map<Who, String> TOKENS = new java.util.EnumMap<>(Who.class);
  private static long firstRevisionOfK;

  @BeforeAll
  static void start() throws Exception {
    sseClient = server.vertx().createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.port()));
    firstRevisionOfK = server.http().put("/v1/kv/m/k", "{\"v\":1}").json().getLong("revision");
    server.http().put("/v1/kv/other/k", "1");
    TOKENS.put(Who.NONE, null);
    TOKENS.put(Who.BAD, "ssot_0123456789abcdef_notTheSecretOfAnyToken");
    TOKENS.put(Who.EXPIRED, create("expiring", "read", "m/", "400ms").getString("token"));
    JsonObject revoked = create("revoked", "admin", "", null);
    assertEquals(200, server.http().delete("/v1/tokens/" + revoked.getString("id")).status());
    TOKENS.put(Who.REVOKED, revoked.getString("token"));
    TOKENS.put(Who.READ_OTHER_PREFIX, create("other-reader", "read", "other/", null).getString("token"));
    TOKENS.put(Who.READ, create("reader", "read", "m/", null).getString("token"));
    TOKENS.put(Who.WRITE, create("writer", "write", "m/", null).getString("token"));
    TOKENS.put(Who.ADMIN, create("root", "admin", "", null).getString("token"));
    Thread.sleep(500); // the expiring token has expired
  }

  @AfterAll
  static void stop() {
    sseClient.close().await();
  }

  /** Creates a token through the API as the bootstrap admin. */
  static JsonObject create(String name, String role, String prefix, String ttl) {
    JsonObject body = new JsonObject().put("name", name)
        .put("roles", new JsonArray().add(new JsonObject().put("role", role).put("prefix", prefix)));
    if (ttl != null) {
      body.put("ttl", ttl);
    }
    Http.Response r = server.http().post("/v1/tokens", body.encode());
    assertEquals(201, r.status(), r::toString);
    return r.json();
  }

  private static Http as(String token) {
    return token == null ? server.http().anonymous() : server.http().as(token);
  }

  private static final List<Endpoint> ENDPOINTS = List.of(
      new Endpoint("GET key", Needs.READ, 200, (h, t) -> h.get("/v1/kv/m/k").status()),
      new Endpoint("GET raw", Needs.READ, 200, (h, t) -> h.get("/v1/kv/m/k?raw=true").status()),
      new Endpoint("list", Needs.READ, 200, (h, t) -> h.get("/v1/kv?prefix=m/").status()),
      new Endpoint("history", Needs.READ, 200, (h, t) -> h.get("/v1/history/m/k").status()),
      new Endpoint("long-poll", Needs.READ, 304, (h, t) -> {
        long rev = server.http().get("/v1/kv/m/k").json().getLong("revision");
        return h.get("/v1/kv/m/k?wait=100ms", Map.of("If-None-Match", "\"" + rev + "\"")).status();
      }),
      new Endpoint("PUT", Needs.WRITE, 200, (h, t) -> h.put("/v1/kv/m/k", "{\"v\":2}").status()),
      new Endpoint("DELETE", Needs.WRITE, 200, (h, t) -> {
        server.http().put("/v1/kv/m/del", "1");
        return h.delete("/v1/kv/m/del").status();
      }),
      new Endpoint("txn", Needs.WRITE, 200, (h, t) -> h.post("/v1/txn",
          "{\"success\":[{\"op\":\"put\",\"key\":\"m/t\",\"value\":1},{\"op\":\"get\",\"key\":\"m/k\"}]}").status()),
      new Endpoint("rollback", Needs.WRITE, 200, (h, t) -> h.post("/v1/rollback/m/k",
          "{\"toRevision\":" + firstRevisionOfK + "}").status()),
      new Endpoint("WebSocket watch", Needs.READ, 200, (h, t) -> webSocketWatch(t, "m/")),
      new Endpoint("SSE watch", Needs.READ, 200, (h, t) -> sseWatch(t, "/v1/watch?prefix=m/")),
      new Endpoint("create token", Needs.ADMIN, 201, (h, t) -> h.post("/v1/tokens",
          "{\"name\":\"made\",\"roles\":[{\"role\":\"read\",\"prefix\":\"m/\"}]}").status()),
      new Endpoint("list tokens", Needs.ADMIN, 200, (h, t) -> h.get("/v1/tokens").status()),
      new Endpoint("revoke token", Needs.ADMIN, 200, (h, t) ->
          h.delete("/v1/tokens/" + create("doomed", "read", "m/", null).getString("id")).status()),
      new Endpoint("/health/live", Needs.NOTHING, 200, (h, t) -> h.get("/health/live").status()),
      // Open without a token because the server binds a loopback address (auth.anonymousMonitoring).
      new Endpoint("/health/ready", Needs.NOTHING, 200, (h, t) -> h.get("/health/ready").status()),
      new Endpoint("/metrics", Needs.NOTHING, 200, (h, t) -> h.get("/metrics").status()));

  private static int expected(Endpoint e, Who who) {
    if (e.needs() == Needs.NOTHING) {
      return e.ok();
    }
    return switch (who) {
      case NONE, BAD, EXPIRED, REVOKED -> 401;
      case READ_OTHER_PREFIX -> 403;
      case READ -> e.needs() == Needs.READ ? e.ok() : 403;
      case WRITE -> e.needs() == Needs.ADMIN ? 403 : e.ok();
      case ADMIN -> e.ok();
    };
  }

  @ParameterizedTest
  @EnumSource(Who.class)
  void everyEndpointAnswersEveryKindOfCallerAsItShould(Who who) {
    String token = TOKENS.get(who);
    Http http = as(token);
    List<String> wrong = new ArrayList<>();
    for (Endpoint e : ENDPOINTS) {
      int status = e.call().apply(http, token);
      if (status != expected(e, who)) {
        wrong.add(e.name() + ": " + status + ", expected " + expected(e, who));
      }
    }
    assertEquals(List.of(), wrong, who.toString());
  }

  /** The WebSocket outcome as a status: 401 refused handshake, 403 watch refused, 200 watch created. */
  private static int webSocketWatch(String token, String prefix) {
    try (WatchClients.Ws ws = new WatchClients.Ws(server.vertx(), server.port(), token == null ? null : "Bearer " + token)) {
      ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", prefix));
      JsonObject reply = ws.next();
      if (Boolean.TRUE.equals(reply.getBoolean("created"))) {
        return 200;
      }
      return "forbidden".equals(reply.getString("error")) ? 403 : 500;
    } catch (UpgradeRejectedException e) {
      return e.getStatus();
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static int sseWatch(String token, String uri) {
    try (WatchClients.Sse sse = new WatchClients.Sse(sseClient, uri, Map.of(), token == null ? null : "Bearer " + token)) {
      return sse.status;
    }
  }

  @Test
  void refusalsAreProblemsThatSayWhatIsMissing() {
    Http.Response none = server.http().anonymous().get("/v1/kv/m/k");
    assertEquals(401, none.status());
    assertEquals("Bearer realm=\"ssot\"", none.header("WWW-Authenticate"));
    assertEquals("application/problem+json", none.header("Content-Type"));
    assertEquals("unauthorized", none.json().getString("code"));
    Http.Response bad = as(TOKENS.get(Who.BAD)).get("/v1/kv/m/k");
    assertTrue(bad.header("WWW-Authenticate").contains("error=\"invalid_token\""), bad.headers().toString());
    Http.Response notBearer = server.http().get("/v1/kv/m/k", Map.of("Authorization", "Basic YWRtaW46YWRtaW4="));
    assertEquals(401, notBearer.status(), notBearer::toString);
    Http.Response expired = as(TOKENS.get(Who.EXPIRED)).get("/v1/kv/m/k");
    assertTrue(expired.json().getString("detail").contains("expired"), expired::toString);

    Http.Response forbidden = as(TOKENS.get(Who.READ)).put("/v1/kv/m/k", "1");
    assertEquals(403, forbidden.status());
    assertEquals("application/problem+json", forbidden.header("Content-Type"));
    JsonObject problem = forbidden.json();
    assertEquals("forbidden", problem.getString("code"));
    assertEquals("write", problem.getString("requiredRole"));
    assertEquals("m/k", problem.getString("resource"));
    assertTrue(problem.getString("detail").contains("reader needs write on 'm/k'"), problem::encode);
    Http.Response tokens = as(TOKENS.get(Who.WRITE)).get("/v1/tokens");
    assertEquals("admin", tokens.json().getString("requiredRole"), tokens::toString);
  }

  @Test
  void aListingOrPrefixWatchNeedsReadOnTheWholeRangeAndIsNeverFiltered() throws Exception {
    server.http().put("/v1/kv/m/sub/a", "1");
    Http reader = as(TOKENS.get(Who.READ));
    assertEquals(200, reader.get("/v1/kv?prefix=m/sub/").status());
    assertEquals(1, reader.get("/v1/kv?prefix=m/sub/").json().getJsonArray("items").size());
    for (String wider : List.of("", "m", "o")) {
      Http.Response r = reader.get("/v1/kv?prefix=" + wider);
      assertEquals(403, r.status(), "prefix '" + wider + "': " + r);
      assertEquals(wider, r.json().getString("resource"));
    }
    assertEquals(403, reader.get("/v1/kv").status(), "no prefix is the whole store");
    assertEquals(403, reader.get("/v1/kv/m").status(), "the key m is not under m/");
    assertEquals(403, webSocketWatch(TOKENS.get(Who.READ), "m"));
    assertEquals(403, webSocketWatch(TOKENS.get(Who.READ), ""));
    assertEquals(403, sseWatch(TOKENS.get(Who.READ), "/v1/watch?prefix="));
    assertEquals(403, sseWatch(TOKENS.get(Who.READ), "/v1/watch?key=other/k"));
    assertEquals(200, sseWatch(TOKENS.get(Who.READ), "/v1/watch?key=m/k"));
    assertEquals(403, reader.get("/v1/history/other/k").status());
  }

  @Test
  void aTxnNeedsTheRoleOfEveryKeyInBothBranchesAndAppliesNothingWithoutIt() {
    Http writer = as(TOKENS.get(Who.WRITE));
    long before = server.http().get("/health/ready").json().getJsonObject("checks").getJsonObject("store").getLong("revision");
    List<String> txns = List.of(
        "{\"success\":[{\"op\":\"put\",\"key\":\"m/x\",\"value\":1},{\"op\":\"get\",\"key\":\"other/k\"}]}",
        "{\"compare\":[{\"key\":\"other/k\",\"exists\":true}],\"success\":[{\"op\":\"put\",\"key\":\"m/x\",\"value\":1}]}",
        "{\"success\":[{\"op\":\"put\",\"key\":\"m/x\",\"value\":1}],\"failure\":[{\"op\":\"delete\",\"key\":\"other/k\"}]}",
        "{\"success\":[{\"op\":\"put\",\"key\":\"m/x\",\"value\":1},{\"op\":\"put\",\"key\":\"other/k\",\"value\":2}]}");
    for (String txn : txns) {
      Http.Response r = writer.post("/v1/txn", txn);
      assertEquals(403, r.status(), txn + " -> " + r);
    }
    assertEquals(404, server.http().get("/v1/kv/m/x").status(), "no refused txn wrote anything");
    assertEquals(before,
        server.http().get("/health/ready").json().getJsonObject("checks").getJsonObject("store").getLong("revision"));
    Http.Response reader = as(TOKENS.get(Who.READ)).post("/v1/txn", "{\"success\":[{\"op\":\"get\",\"key\":\"m/k\"}]}");
    assertEquals(200, reader.status(), "a txn of gets needs read only: " + reader);
  }

  @Test
  void aWebSocketChecksEachWatchAndStaysOpenAfterARefusal() throws Exception {
    try (WatchClients.Ws ws = new WatchClients.Ws(server.vertx(), server.port(), "Bearer " + TOKENS.get(Who.READ))) {
      ws.send(new JsonObject().put("op", "watch").put("id", "a").put("prefix", "m/"));
      assertEquals(Boolean.TRUE, ws.next().getBoolean("created"));
      ws.send(new JsonObject().put("op", "watch").put("id", "b").put("prefix", "other/"));
      JsonObject refused = ws.next();
      assertEquals("b", refused.getString("id"));
      assertEquals("forbidden", refused.getString("error"));
      ws.send(new JsonObject().put("op", "watch").put("id", "c").put("key", "m/k"));
      assertEquals(Boolean.TRUE, ws.next().getBoolean("created"));
      server.http().put("/v1/kv/m/k", "{\"v\":3}");
      List<String> ids = List.of(ws.next().getString("id"), ws.next().getString("id"));
      assertTrue(ids.containsAll(List.of("a", "c")), ids::toString);
    }
  }

  @Test
  void aRevokedTokenEndsItsWatchesAndLongPollsWithinASecond() throws Exception {
    JsonObject token = create("watcher", "read", "rv/", null);
    String bearer = "Bearer " + token.getString("token");
    server.http().put("/v1/kv/rv/k", "1");
    long rev = server.http().get("/v1/kv/rv/k").json().getLong("revision");
    double before = openWatches();
    try (WatchClients.Ws ws = new WatchClients.Ws(server.vertx(), server.port(), bearer);
         WatchClients.Ws idle = new WatchClients.Ws(server.vertx(), server.port(), bearer);
         WatchClients.Sse sse = new WatchClients.Sse(sseClient, "/v1/watch?prefix=rv/", Map.of(), bearer)) {
      ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "rv/"));
      assertEquals(Boolean.TRUE, ws.next().getBoolean("created"));
      assertEquals(200, sse.status);
      Future<Integer> longPoll = sseClient.request(new RequestOptions().setMethod(HttpMethod.GET)
              .setURI("/v1/kv/rv/k?wait=30s").putHeader("Authorization", bearer)
              .putHeader("If-None-Match", "\"" + rev + "\""))
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())));
      awaitOpenWatches(before + 3); // the WebSocket's, the SSE stream's and the long-poll's
      long start = System.nanoTime();
      assertEquals(200, server.http().delete("/v1/tokens/" + token.getString("id")).status());

      JsonObject ended = ws.next();
      assertEquals("token-revoked", ended.getString("error"), ended::encode);
      assertEquals("w", ended.getString("id"));
      assertEquals((short) 1008, ws.closed.get(REVOCATION_BOUND_SECONDS, TimeUnit.SECONDS));
      assertEquals((short) 1008, idle.closed.get(REVOCATION_BOUND_SECONDS, TimeUnit.SECONDS), "a socket with no watch closes too");
      WatchClients.Event error = sse.next();
      assertEquals("error", error.event());
      assertEquals("token-revoked", error.json().getString("error"));
      sse.ended.get(REVOCATION_BOUND_SECONDS, TimeUnit.SECONDS);
      assertEquals(401, longPoll.toCompletionStage().toCompletableFuture().get(REVOCATION_BOUND_SECONDS, TimeUnit.SECONDS));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.printf("every watch of the revoked token ended %d ms after the revocation%n", millis);
      assertTrue(millis < REVOCATION_BOUND_SECONDS * 1000, "all ended " + millis + " ms after the revocation");
    }
    assertEquals(401, server.http().as(token.getString("token")).get("/v1/kv/rv/k").status());
  }

  @Test
  void anExpiringTokenEndsItsWatches() throws Exception {
    JsonObject token = create("short-lived", "read", "ex/", "1500ms");
    try (WatchClients.Ws ws = new WatchClients.Ws(server.vertx(), server.port(), "Bearer " + token.getString("token"))) {
      ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "ex/"));
      assertEquals(Boolean.TRUE, ws.next().getBoolean("created"));
      assertEquals((short) 1008, ws.closed.get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void listingTokensShowsNoSecretOrHash() {
    JsonObject created = create("listed", "write", "l/", "1d");
    assertTrue(created.getString("token").startsWith("ssot_" + created.getString("id") + "_"));
    assertNotNull(created.getString("expiresAt"));
    assertEquals("admin", created.getString("createdBy"), "the bootstrap admin's principal");
    Http.Response list = server.http().get("/v1/tokens");
    assertEquals(200, list.status());
    String body = list.body().toString();
    JsonObject listed = list.json().getJsonArray("items").stream().map(JsonObject.class::cast)
        .filter(t -> t.getString("id").equals(created.getString("id"))).findFirst().orElseThrow();
    assertEquals("listed", listed.getString("name"));
    assertEquals(new JsonArray().add(new JsonObject().put("role", "write").put("prefix", "l/")),
        listed.getJsonArray("roles"));
    assertTrue(!body.contains(created.getString("token").substring(22)) && !body.contains("secret")
        && !body.contains("\"token\""), body);
  }

  @Test
  void badTokenRequestsAre400AndCreateNothing() {
    int before = server.http().get("/v1/tokens").json().getJsonArray("items").size();
    List<String> bodies = List.of("", "[]", "{", "{\"name\":\"x\"}", "{\"name\":\"x\",\"roles\":[]}",
        "{\"name\":\"x y\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}]}",
        "{\"name\":\"admin\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}]}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"root\",\"prefix\":\"\"}]}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"a b\"}]}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\"}]}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\",\"extra\":1}]}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}],\"ttl\":\"soon\"}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}],\"ttl\":\"1s\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}],\"expiresAt\":\"2001-01-01T00:00:00Z\"}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}],\"expiresAt\":\"+20000-01-01T00:00:00Z\"}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}],\"ttl\":\"999999999999999d\"}",
        "{\"name\":\"x\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}],\"owner\":\"me\"}");
    for (String body : bodies) {
      Http.Response r = server.http().post("/v1/tokens", body);
      assertEquals(400, r.status(), body + " -> " + r);
      assertEquals("application/problem+json", r.header("Content-Type"));
    }
    assertEquals(404, server.http().delete("/v1/tokens/0123456789abcdef").status());
    assertEquals(400, server.http().delete("/v1/tokens/..%2F..%2Fkv").status(), "the path guard refuses it");
    assertEquals(404, server.http().delete("/v1/tokens/not-an-id").status());
    assertEquals(405, server.http().send(HttpMethod.PUT, "/v1/tokens", Map.of(), "{}").status());
    assertEquals(before, server.http().get("/v1/tokens").json().getJsonArray("items").size());
  }

  private static double openWatches() {
    return server.http().get("/metrics").body().toString().lines().filter(l -> l.startsWith("ssot_watch_open"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElseThrow();
  }

  private static void awaitOpenWatches(double atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (openWatches() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the watches did not open");
      }
      Thread.sleep(20);
    }
  }
}
