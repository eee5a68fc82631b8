package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssot.protocol.Problem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The OpenAPI document ({@code src/main/resources/openapi.json}, served at {@code /openapi.json})
 * is true: it is valid OpenAPI 3.1, it documents exactly the routes the server mounts, it holds
 * every problem code of the catalogue, and real answers of a real server to a broad set of
 * requests (success and refusal of every route) conform to it: status, headers and body (a
 * snapshot line by line).
 */
@Timeout(120)
class OpenApiDocumentTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final List<String> CONSOLE_SECURITY_HEADERS = List.of("Content-Security-Policy",
      "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy");

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder()
      .setting("limits.maxValueBytes", "4KiB")
      .setting("limits.maxWait", "300ms")
      .setting("changelog.retentionRevisions", "10")
      .setting("changelog.retentionAge", "1ms")
      .setting("changelog.compactInterval", "100ms")
      .setting("changelog.segmentBytes", "64KiB")
      .build();

  private static String documentText;
  private static ApiDocument document;

  /** One request and its real answer. */
  private record Exchange(String method, String uri, Http.Response response) {
  }

  private final List<Exchange> exchanges = new ArrayList<>();

  @BeforeAll
  static void load() throws IOException {
    Http.Response served = server.http().anonymous().get("/openapi.json");
    assertEquals(200, served.status(), served::toString);
    documentText = served.body().toString(StandardCharsets.UTF_8);
    document = new ApiDocument(documentText);
  }

  @Test
  void theServedDocumentIsTheRepositorysFile() throws IOException {
    assertEquals(Files.readString(Path.of("src/main/resources/openapi.json")), documentText);
  }

  @Test
  void theDocumentIsValidOpenApi31() {
    Vertx vertx = server.vertx();
    JsonObject contract = new JsonObject(documentText);
    OpenAPIVersion version = OpenAPIVersion.fromContract(contract);
    assertEquals(OpenAPIVersion.V3_1, version);
    OutputUnit result = version.getRepository(vertx, "app://")
        .compose(repository -> version.validateContract(vertx, repository, contract)).await();
    assertTrue(result.getValid(), () -> "not valid OpenAPI 3.1: " + result.getErrors());
  }

  @Test
  void everyMountedRouteIsDocumentedAndNothingElse() throws Exception {
    Set<String> mounted = mountedOperations(server.server().routes());
    Set<String> documented = documentedOperations();
    try (PgTestDatabase db = PgTestDatabase.create();
         TestServer clusterNode = TestServer.start(Map.of("pg.url", db.url(), "cluster.enabled", "true"))) {
      // /v1/cluster is mounted in cluster mode only; its answer is checked here too.
      mounted.addAll(mountedOperations(clusterNode.server().routes()));
      try (Http node = new Http(server.vertx(), clusterNode.port())) {
        for (Http http : List.of(node, node.anonymous())) {
          Http.Response r = http.get("/v1/cluster");
          assertEquals(List.of(), document.check("GET", "/v1/cluster", r.status(), r.headers(), r.body().getBytes()),
              r::toString);
        }
        // A snapshot is not restored online in cluster mode.
        Http.Response refused = node.send(HttpMethod.POST, "/v1/snapshot", Map.of("Content-Type",
            "application/x-ndjson"), "{}\n");
        assertEquals(405, refused.status(), refused::toString);
        assertEquals("GET", refused.header("Allow"));
        assertEquals(List.of(), document.check("POST", "/v1/snapshot", refused.status(), refused.headers(),
            refused.body().getBytes()), refused::toString);
      }
    }
    assertTrue(mounted.contains("GET /v1/cluster"), mounted::toString);
    Set<String> undocumented = new TreeSet<>(mounted);
    undocumented.removeAll(documented);
    Set<String> notMounted = new TreeSet<>(documented);
    notMounted.removeAll(mounted);
    assertEquals(Set.of(), undocumented, "mounted but not documented");
    assertEquals(Set.of(), notMounted, "documented but not mounted");
  }

  /** "METHOD template" of every route with methods; a route with a path but no name fails. */
  private static Set<String> mountedOperations(List<Route> routes) {
    Set<String> out = new TreeSet<>();
    for (Route route : routes) {
      if (route.getPath() == null) {
        continue; // handlers of every request: admission, the path guard, authentication
      }
      assertTrue(route.getName() != null, () -> "the route " + route.getPath() + " has no name (its template)");
      assertTrue(document.root().get("paths").has(route.getName()),
          () -> "the document has no path " + route.getName());
      if (route.methods() != null) {
        route.methods().forEach(m -> out.add(m.name() + " " + route.getName()));
      }
    }
    return out;
  }

  private static Set<String> documentedOperations() {
    Set<String> out = new TreeSet<>();
    Set<String> methods = Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");
    for (Iterator<Map.Entry<String, JsonNode>> it = document.root().get("paths").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> path = it.next();
      path.getValue().fieldNames().forEachRemaining(m -> {
        if (methods.contains(m)) {
          out.add(m.toUpperCase() + " " + path.getKey());
        }
      });
    }
    return out;
  }

  @Test
  void everyProblemCodeOfTheCatalogueIsInTheDocument() {
    JsonNode schemas = document.root().at("/components/schemas");
    Set<String> problemCodes = enumOf(schemas.at("/ProblemCode/anyOf/0/enum"));
    Set<String> watchCodes = enumOf(schemas.at("/WatchErrorCode/anyOf/0/enum"));
    Set<String> httpCatalogue = new TreeSet<>();
    Set<String> watchCatalogue = new TreeSet<>();
    for (Problem p : Problem.values()) {
      if (p == Problem.HTTP_STATUS) {
        assertEquals("^http-4[0-9]{2}$", schemas.at("/ProblemCode/anyOf/1/pattern").asText());
      } else if (p.http()) {
        httpCatalogue.add(p.code());
      } else {
        watchCatalogue.add(p.code());
      }
    }
    assertEquals(httpCatalogue, problemCodes, "the problem codes");
    assertEquals(watchCatalogue, watchCodes, "the codes of watch messages only");
    // Each status's problem response names exactly the codes sent with that status.
    JsonNode responses = document.root().at("/components/responses");
    for (Problem p : Problem.values()) {
      for (int status = 400; status < 600; status++) {
        if (p == Problem.HTTP_STATUS || !p.sentWith(status)) {
          continue;
        }
        JsonNode code = responses.at("/Problem" + status + "/content/application~1problem+json/schema/allOf/1/properties/code");
        Set<String> codes = enumOf(code.has("anyOf") ? code.at("/anyOf/0/enum") : code.get("enum"));
        assertTrue(codes.contains(p.code()), "Problem" + status + " lacks " + p.code());
      }
    }
  }

  private static Set<String> enumOf(JsonNode array) {
    Set<String> out = new TreeSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void realAnswersConformToTheDocument() throws Exception {
    Http admin = server.http();
    Http anonymous = admin.anonymous();
    Map<String, String> json = Map.of("Content-Type", "application/json");

    // The document itself.
    Http.Response doc = call(anonymous, "GET", "/openapi.json", Map.of(), null);
    call(anonymous, "GET", "/openapi.json", Map.of("If-None-Match", doc.header("ETag")), null);
    call(admin, "POST", "/openapi.json", json, "{}");

    // Keys: writes and their refusals.
    call(admin, "PUT", "/v1/kv/app/a", json, "{\"pool\":1}");
    Http.Response updated = call(admin, "PUT", "/v1/kv/app/a", json, "{\"pool\":2}");
    call(admin, "PUT", "/v1/kv/app/b?durability=sync", json, "[1,2]");
    call(admin, "PUT", "/v1/kv/app/a", Map.of("Content-Type", "application/json", "If-Match", "\"1\""), "3");
    call(admin, "PUT", "/v1/kv/app/a", Map.of("Content-Type", "application/json", "If-None-Match", "*"), "3");
    call(admin, "PUT", "/v1/kv/app/a", Map.of("Content-Type", "application/json", "If-Match", "1"), "3");
    call(admin, "PUT", "/v1/kv/app/a", json, "{\"unclosed\":");
    call(admin, "PUT", "/v1/kv/app/a", Map.of("Content-Type", "text/plain"), "3");
    call(admin, "PUT", "/v1/kv/app/big", json, "\"" + "x".repeat(5000) + "\"");
    call(admin, "PUT", "/v1/kv/app/a?durability=maybe", json, "3");
    call(admin, "PUT", "/v1/kv/a//b", json, "3");
    call(admin, "GET", "/v1/kv/app/a/", Map.of(), null);

    // Keys: reads.
    call(admin, "GET", "/v1/kv/app/a", Map.of(), null);
    call(admin, "GET", "/v1/kv/app/a?raw=true", Map.of(), null);
    call(admin, "GET", "/v1/kv/app/b?raw=true", Map.of(), null);
    call(admin, "GET", "/v1/kv/app/a", Map.of("If-None-Match", updated.header("ETag")), null);
    call(admin, "GET", "/v1/kv/app/a?wait=100ms", Map.of("If-None-Match", updated.header("ETag")), null);
    call(admin, "GET", "/v1/kv/app/a?atRevision=1", Map.of(), null);
    call(admin, "GET", "/v1/kv/app/a?atRevision=999999999", Map.of(), null);
    call(admin, "GET", "/v1/kv/app/none", Map.of(), null);
    call(admin, "GET", "/v1/kv/app/a?minRevision=999999999", Map.of(), null);
    call(admin, "GET", "/v1/kv/app/a?consistency=eventual", Map.of(), null);
    Http.Response page = call(admin, "GET", "/v1/kv?prefix=app/&limit=1", Map.of(), null);
    call(admin, "GET", "/v1/kv?prefix=app/&limit=1&cursor=" + page.json().getString("next"), Map.of(), null);
    call(admin, "GET", "/v1/kv?prefix=app/&keysOnly=true", Map.of(), null);
    call(admin, "GET", "/v1/kv?cursor=%%%", Map.of(), null);
    call(admin, "GET", "/v1/kv?limit=0", Map.of(), null);
    call(admin, "DELETE", "/v1/kv", Map.of(), null);
    call(admin, "PATCH", "/v1/kv/app/a", json, "1");

    // Transactions, history, rollback, delete.
    call(admin, "POST", "/v1/txn", json, "{\"compare\":[{\"key\":\"app/a\",\"exists\":true}],"
        + "\"success\":[{\"op\":\"put\",\"key\":\"app/c\",\"value\":true},{\"op\":\"get\",\"key\":\"app/a\"},"
        + "{\"op\":\"get\",\"key\":\"app/none\"},{\"op\":\"delete\",\"key\":\"app/none\"}],\"failure\":[]}");
    call(admin, "POST", "/v1/txn", json, "{\"compare\":5}");
    call(admin, "GET", "/v1/txn", Map.of(), null);
    call(admin, "GET", "/v1/history/app/a?limit=1", Map.of(), null);
    call(admin, "GET", "/v1/history/app/a?before=x", Map.of(), null);
    call(admin, "POST", "/v1/rollback/app/a", json, "{\"toRevision\":1}");
    call(admin, "POST", "/v1/rollback/app/a", json, "{\"toRevision\":0}");
    call(admin, "DELETE", "/v1/kv/app/c", Map.of(), null);
    call(admin, "DELETE", "/v1/kv/app/c", Map.of(), null);
    call(admin, "DELETE", "/v1/kv/app/b", Map.of("If-Match", "\"1\""), null);

    // Schemas.
    String schema = "{\"type\":\"object\",\"required\":[\"port\"]}";
    call(admin, "PUT", "/v1/schemas/strict", json, schema);
    call(admin, "PUT", "/v1/schemas/strict", json, schema);
    call(admin, "PUT", "/v1/schemas/loose", json, "{\"type\":17}");
    call(admin, "PUT", "/v1/kv/strict/x", json, "{\"host\":\"h\"}");
    call(admin, "GET", "/v1/schemas/strict", Map.of(), null);
    call(admin, "GET", "/v1/schemas/strict?history=true", Map.of(), null);
    call(admin, "GET", "/v1/schemas", Map.of(), null);
    call(admin, "GET", "/v1/schemas/none", Map.of(), null);
    call(admin, "DELETE", "/v1/schemas/strict", Map.of(), null);
    call(admin, "DELETE", "/v1/schemas/strict", Map.of(), null);

    // Tokens, and what a read-only token and no token get.
    Http.Response issued = call(admin, "POST", "/v1/tokens", json,
        "{\"name\":\"reader\",\"roles\":[{\"role\":\"read\",\"prefix\":\"app/\"}],\"ttl\":\"1h\"}");
    call(admin, "POST", "/v1/tokens", json, "{\"name\":\"admin\",\"roles\":[]}");
    call(admin, "GET", "/v1/tokens", Map.of(), null);
    Http reader = admin.as(issued.json().getString("token"));
    call(reader, "GET", "/v1/kv/app/a", Map.of(), null);
    call(reader, "PUT", "/v1/kv/app/a", json, "1");
    call(reader, "GET", "/v1/tokens", Map.of(), null);
    // Snapshots, while the reader's token exists (a restored server has it too), and the drift check.
    snapshots(admin, issued.json().getString("token"));
    call(anonymous, "GET", "/v1/kv/app/a", Map.of(), null);
    call(admin.as("not-a-token"), "GET", "/v1/kv/app/a", Map.of(), null);
    call(admin, "DELETE", "/v1/tokens/" + issued.json().getString("id"), Map.of(), null);
    call(admin, "DELETE", "/v1/tokens/none", Map.of(), null);
    call(admin, "PUT", "/v1/tokens", json, "{}");

    // Spring Cloud Config.
    call(admin, "PUT", "/v1/kv/config/billing/default/server.port", json, "8081");
    call(admin, "GET", "/config/billing/default", Map.of(), null);
    call(admin, "GET", "/config/billing/default", Map.of("Accept", "application/vnd.spring-cloud.config-server.v2+json"), null);
    call(admin, "GET", "/config/billing-default.yml", Map.of(), null);
    call(admin, "GET", "/config/billing-default.properties", Map.of(), null);
    call(admin, "GET", "/config/billing-default.json", Map.of(), null);
    call(admin, "GET", "/config/billing/default/other", Map.of(), null);
    call(admin, "GET", "/config/a/b/c/d", Map.of(), null);

    // Watches: not acceptable, SSE, WebSocket; the clients.
    call(admin, "GET", "/v1/watch?prefix=app/", Map.of(), null);
    call(admin, "GET", "/v1/watch?prefix=app/", Map.of("Accept", "text/event-stream", "Last-Event-ID", "x"), null);
    sse("/v1/watch?prefix=app/&fromRevision=1");
    webSocket("/v1/watch?clientId=doc-test&application=ssot&instance=1");
    call(admin, "GET", "/v1/watch?clientId=" + "x".repeat(300), Map.of("Upgrade", "websocket",
        "Connection", "Upgrade", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version", "13"), null);
    call(admin, "POST", "/v1/watch", json, "{}");
    call(admin, "GET", "/v1/clients", Map.of(), null);

    // The web console: its files, login and its refusals, the session, the overview, a cookie write, logout.
    console(admin, anonymous);

    // Operations, and what no route answers.
    call(anonymous, "GET", "/health/live", Map.of(), null);
    call(anonymous, "GET", "/health/ready", Map.of(), null);
    call(anonymous, "GET", "/metrics", Map.of(), null);
    // Compressible answers, compressed when the server does so (the body is checked unpacked).
    Map<String, String> gzip = Map.of("Accept-Encoding", "gzip");
    call(anonymous, "GET", "/metrics", gzip, null);
    call(anonymous, "GET", "/openapi.json", gzip, null);
    call(admin, "GET", "/v1/kv?prefix=app/", gzip, null);
    call(admin, "GET", "/v1/history/app/a", gzip, null);
    call(admin, "GET", "/config/billing-default.yml", gzip, null);
    call(admin, "GET", "/v1/nothing-here", Map.of(), null);

    // A request line and headers over the codec's limits.
    raw("GET /v1/kv/app/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n", "GET", "/v1/kv/app/a");
    raw("GET /v1/kv/app/a HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n", "GET", "/v1/kv/app/a");

    // Compaction: a read below the horizon is 410.
    String filler = "\"" + "x".repeat(4000) + "\"";
    for (int i = 0; i < 60; i++) {
      admin.put("/v1/kv/app/filler", filler);
    }
    long deadline = System.currentTimeMillis() + 20_000;
    while (server.server().store().compactRevision() <= 1 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    call(admin, "GET", "/v1/kv/app/a?atRevision=1", Map.of(), null);
    call(admin, "GET", "/v1/history/app/filler?before=2", Map.of(), null);

    throttled();
    assertConforms(Set.of(101, 200, 201, 204, 304, 400, 401, 403, 404, 405, 406, 409, 410, 412, 413, 414, 415, 422, 429,
        431, 503, 504));
    assertEquals(Set.of(), missing(Set.of("precondition-failed", "invalid-json", "invalid-header",
        "unsupported-media-type", "too-large", "invalid-parameter", "invalid-key", "future-revision", "key-not-found",
        "revision-not-applied", "method-not-allowed", "invalid-txn", "invalid-rollback", "invalid-schema",
        "schema-violation", "schema-not-found", "invalid-token-request", "forbidden", "unauthorized", "invalid-token",
        "token-not-found", "not-found", "not-acceptable", "invalid-client-name", "uri-too-long", "headers-too-large",
        "compacted", "rate-limited", "too-many-auth-failures", "too-many-connections", "csrf-rejected",
        "invalid-snapshot", "store-not-empty")),
        "problem codes not reached");
    assertEquals(List.of(), consoleSecurityHeaders(), "answers under /ui without the console's security headers");
  }

  /**
   * Snapshots: one of this server (its lines are checked by {@link #snapshotLines}), refused into
   * it as it is not empty, refused to a token that is not admin's; then, on a server of its own
   * with PostgreSQL, a corrupt one refused, the snapshot restored into it, refused once more, and
   * a drift check of the restored state (nothing drifted).
   */
  private void snapshots(Http admin, String readerToken) throws Exception {
    Map<String, String> ndjson = Map.of("Content-Type", "application/x-ndjson");
    Http.Response saved = expect(200, admin, "GET", "/v1/snapshot", Map.of(), null);
    String snapshot = saved.body().toString(StandardCharsets.UTF_8);
    expect(403, admin.as(readerToken), "GET", "/v1/snapshot", Map.of(), null);
    expect(401, admin.anonymous(), "POST", "/v1/snapshot", ndjson, snapshot);
    Http.Response notEmpty = expect(409, admin, "POST", "/v1/snapshot", ndjson, snapshot);
    assertEquals("store-not-empty", notEmpty.json().getString("code"), notEmpty::toString);
    expect(405, admin, "DELETE", "/v1/snapshot", Map.of(), null);

    try (PgTestDatabase db = PgTestDatabase.create();
         TestServer empty = TestServer.start(Map.of("pg.url", db.url()));
         Http http = new Http(server.vertx(), empty.port())) {
      int middle = snapshot.length() / 2;
      String corrupt = snapshot.substring(0, middle) + (snapshot.charAt(middle) == 'x' ? 'y' : 'x')
          + snapshot.substring(middle + 1);
      Http.Response invalid = expect(400, http, "POST", "/v1/snapshot", ndjson, corrupt);
      assertEquals("invalid-snapshot", invalid.json().getString("code"), invalid::toString);
      Http.Response restored = expect(200, http, "POST", "/v1/snapshot", ndjson, snapshot);
      assertEquals(saved.header("X-SSOT-Revision"), String.valueOf(restored.json().getLong("revision")));
      expect(409, http, "POST", "/v1/snapshot", ndjson, snapshot);
      Http.Response drift = expect(200, http, "GET", "/v1/pg/drift", Map.of(), null);
      assertEquals(0, drift.json().getLong("drifted"), drift::toString);
      expect(403, http.as(readerToken), "GET", "/v1/pg/drift", Map.of(), null);
      expect(405, http, "POST", "/v1/pg/drift", Map.of("Content-Type", "application/json"), "{}");
    }
  }

  /**
   * The console: its files (and their 304), login (and its refusals), who is logged in, the
   * overview, a write with the session's cookie (refused without its CSRF token), and logout.
   */
  private void console(Http admin, Http anonymous) {
    Map<String, String> json = Map.of("Content-Type", "application/json");
    Http.Response page = expect(200, anonymous, "GET", "/ui", Map.of(), null);
    expect(304, anonymous, "GET", "/ui", Map.of("If-None-Match", page.header("ETag")), null);
    expect(405, anonymous, "POST", "/ui", json, "{}");
    Http.Response script = expect(200, anonymous, "GET", "/ui/app.js", Map.of(), null);
    expect(304, anonymous, "GET", "/ui/app.js", Map.of("If-None-Match", script.header("ETag")), null);
    expect(200, anonymous, "GET", "/ui/style.css", Map.of(), null);
    expect(405, anonymous, "DELETE", "/ui/app.js", Map.of(), null);
    expect(404, anonymous, "GET", "/ui/no-such-file.js", Map.of(), null);
    expect(401, anonymous, "GET", "/ui/api/no-such-figures", Map.of(), null);

    String login = new JsonObject().put("token", TestServer.ADMIN_TOKEN).encode();
    String unknownToken = new JsonObject().put("token", "ssot_0123456789abcdef_notTheSecretOfAnyToken").encode();
    expect(401, anonymous, "POST", "/ui/session", json, unknownToken);
    expect(400, anonymous, "POST", "/ui/session", json, "{\"tok\":1}");
    expect(415, anonymous, "POST", "/ui/session", Map.of("Content-Type", "text/plain"), login);
    expect(403, anonymous, "POST", "/ui/session", with(json, "Origin", "https://evil.example"), login);
    expect(413, anonymous, "POST", "/ui/session", json, "{\"token\":\"" + "x".repeat(5000) + "\"}");
    Http.Response session = expect(200, anonymous, "POST", "/ui/session", json, login);
    String setCookie = session.header("Set-Cookie");
    Map<String, String> cookie = with(json, "Cookie", setCookie.substring(0, setCookie.indexOf(';')));
    String csrf = session.json().getString("csrfToken");

    expect(200, anonymous, "GET", "/ui/session", cookie, null);
    expect(200, admin, "GET", "/ui/session", Map.of(), null);
    expect(401, anonymous, "GET", "/ui/session", Map.of(), null);
    expect(405, admin, "PUT", "/ui/session", json, "{}");
    expect(200, anonymous, "GET", "/ui/api/overview", cookie, null);
    expect(200, admin, "GET", "/ui/api/overview", Map.of(), null);
    expect(401, anonymous, "GET", "/ui/api/overview", Map.of(), null);
    expect(403, anonymous, "GET", "/ui/api/overview", with(cookie, "Origin", "https://evil.example"), null);
    expect(405, admin, "POST", "/ui/api/overview", json, "{}");
    expect(200, anonymous, "GET", "/v1/kv/app/a", cookie, null);
    Http.Response forged = expect(403, anonymous, "PUT", "/v1/kv/app/a", cookie, "{\"pool\":3}");
    assertEquals("csrf-rejected", forged.json().getString("code"), forged::toString);
    expect(200, anonymous, "PUT", "/v1/kv/app/a", with(cookie, "X-CSRF-Token", csrf), "{\"pool\":3}");

    expect(403, anonymous, "DELETE", "/ui/session", cookie, null);
    expect(204, anonymous, "DELETE", "/ui/session", with(cookie, "X-CSRF-Token", csrf), null);
    expect(401, anonymous, "GET", "/ui/session", cookie, null);
    expect(204, admin, "DELETE", "/ui/session", Map.of(), null);
  }

  /** An exchange, recorded like the others, that must get {@code status}. */
  private Http.Response expect(int status, Http http, String method, String uri, Map<String, String> headers,
                               String body) {
    Http.Response r = call(http, method, uri, headers, body);
    assertEquals(status, r.status(), () -> method + " " + uri + ": " + r);
    return r;
  }

  private static Map<String, String> with(Map<String, String> headers, String name, String value) {
    Map<String, String> more = new HashMap<>(headers);
    more.put(name, value);
    return more;
  }

  /**
   * What is wrong with the headers the document says every answer under /ui carries (problems
   * included): each exchange under /ui must send each with the value its schema allows.
   */
  private List<String> consoleSecurityHeaders() {
    List<String> wrong = new ArrayList<>();
    for (Exchange e : exchanges) {
      String path = e.uri().split("\\?")[0];
      if (!path.equals("/ui") && !path.startsWith("/ui/")) {
        continue;
      }
      for (String name : CONSOLE_SECURITY_HEADERS) {
        String value = e.response().header(name);
        List<String> errors = value == null ? List.of("missing")
            : document.validate("/components/headers/" + name + "/schema", MAPPER.valueToTree(value));
        errors.forEach(error -> wrong.add(e.method() + " " + e.uri() + " -> " + e.response().status() + ": " + name
            + ": " + error));
      }
    }
    return wrong;
  }

  /**
   * Where one media type has alternatives that a query parameter or the path chooses between
   * (OpenAPI cannot tell them apart), each answer is checked against the alternative it chose.
   */
  private List<String> narrower() throws IOException {
    List<String> wrong = new ArrayList<>();
    for (Exchange e : exchanges) {
      Http.Response r = e.response();
      String path = e.uri().split("\\?")[0];
      String template = document.template(path);
      if (r.status() != 200 || !"GET".equals(e.method()) || r.header("Content-Encoding") != null) {
        continue;
      }
      String schema = null;
      if ("/v1/kv/{key}".equals(template) && !e.uri().contains("raw=true")) {
        schema = "Entry";
      } else if ("/v1/schemas/{prefix}".equals(template)) {
        schema = e.uri().contains("history=true") ? "SchemaHistory" : "PrefixSchema";
      } else if ("/config/{path}".equals(template) && !path.contains(".")) {
        schema = "SpringEnvironment";
      }
      if (schema != null) {
        for (String error : document.validate("/components/schemas/" + schema, MAPPER.readTree(r.body().getBytes()))) {
          wrong.add(e.method() + " " + e.uri() + ": as " + schema + ": " + error);
        }
      }
    }
    return wrong;
  }

  /**
   * What is wrong with the snapshots answered (application/x-ndjson, which the document describes
   * line by line): each line against SnapshotLine and against the schema of its place, the
   * header first, the trailer last and entries between; every line ends with a newline.
   */
  private List<String> snapshotLines() throws IOException {
    List<String> wrong = new ArrayList<>();
    for (Exchange e : exchanges) {
      Http.Response r = e.response();
      if (r.status() != 200 || !String.valueOf(r.header("Content-Type")).startsWith("application/x-ndjson")) {
        continue;
      }
      String text = r.body().toString(StandardCharsets.UTF_8);
      if (!text.endsWith("\n")) {
        wrong.add(e.uri() + ": the last line does not end with a newline");
      }
      List<String> lines = text.lines().toList();
      for (int i = 0; i < lines.size(); i++) {
        String place = i == 0 ? "SnapshotHeader" : i == lines.size() - 1 ? "SnapshotTrailer" : "SnapshotEntry";
        JsonNode line = MAPPER.readTree(lines.get(i));
        for (String schema : List.of("SnapshotLine", place)) {
          for (String error : document.validate("/components/schemas/" + schema, line)) {
            wrong.add(e.uri() + ": line " + (i + 1) + " as " + schema + ": " + error);
          }
        }
      }
    }
    return wrong;
  }

  /** Which of {@code codes} no problem answer carried. */
  private Set<String> missing(Set<String> codes) {
    Set<String> left = new TreeSet<>(codes);
    for (Exchange e : exchanges) {
      if (String.valueOf(e.response().header("Content-Type")).startsWith("application/problem+json")) {
        left.remove(e.response().json().getString("code"));
      }
    }
    return left;
  }

  /** Rate limits and failed authentications, then the connection limit, each on a server of its own. */
  private void throttled() throws Exception {
    Map<String, String> json = Map.of("Content-Type", "application/json");
    try (TestServer small = TestServer.start(Map.of("rateLimit.writesPerSecond", "1", "rateLimit.writeBurst", "1",
        "auth.maxFailuresPerMinute", "1"));
         Http http = new Http(server.vertx(), small.port())) {
      // One write a second, a burst of one: the next write within the second is refused.
      int status = 0;
      for (int i = 0; i < 5 && status != 429; i++) {
        status = call(http, "PUT", "/v1/kv/t/a", json, "1").status();
      }
      call(http.as("wrong"), "GET", "/v1/kv/t/a", Map.of(), null);
      call(http.as("wrong"), "GET", "/v1/kv/t/a", Map.of(), null);
      // A login from a throttled address is refused before its token is looked at.
      Http.Response login = call(http.anonymous(), "POST", "/ui/session", json,
          new JsonObject().put("token", TestServer.ADMIN_TOKEN).encode());
      assertEquals(429, login.status(), login::toString);
    }
    try (TestServer small = TestServer.start(Map.of("limits.maxConnections", "1"));
         Http first = new Http(server.vertx(), small.port());
         Http second = new Http(server.vertx(), small.port())) {
      call(first, "PUT", "/v1/kv/t/a", json, "1");
      // first keeps its connection open: a second connection is over the limit.
      call(second, "GET", "/v1/kv/t/a", Map.of(), null);
    }
  }

  private Http.Response call(Http http, String method, String uri, Map<String, String> headers, String body) {
    Http.Response r = http.send(HttpMethod.valueOf(method), uri, headers, body);
    exchanges.add(new Exchange(method, uri, r));
    return r;
  }

  /** Sends bytes as given (over the codec's limits) and records the answer as {@code method path}. */
  private void raw(String request, String method, String path) throws IOException {
    try (RawHttp connection = new RawHttp(server.port(), 10_000)) {
      exchanges.add(new Exchange(method, path, connection.write(request).readFinal()));
    }
  }

  /** Opens an SSE watch, records its head and first event, and checks the event's data against SseChange. */
  private void sse(String uri) throws Exception {
    HttpClient client = server.vertx().createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(server.port()));
    try {
      CompletableFuture<String> firstEvent = new CompletableFuture<>();
      StringBuilder received = new StringBuilder();
      Http.Response head = Http.exchange(client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI(uri)),
          req -> req.putHeader("Accept", "text/event-stream").putHeader("Authorization", Http.ADMIN_AUTHORIZATION)
              .send(), resp -> {
            resp.handler(chunk -> {
              synchronized (received) {
                received.append(chunk.toString(StandardCharsets.UTF_8));
                // The stream opens with a comment; the first change event follows.
                int change = received.indexOf("event: change");
                int end = change < 0 ? -1 : received.indexOf("\n\n", change);
                if (end >= 0) {
                  firstEvent.complete(received.substring(0, end + 2));
                }
              }
            });
            return Future.succeededFuture(new Http.Response(resp.statusCode(), resp.headers(),
                Buffer.buffer(), resp.version()));
          }).await();
      String event = firstEvent.get(10, TimeUnit.SECONDS);
      exchanges.add(new Exchange("GET", uri, new Http.Response(head.status(), head.headers(),
          Buffer.buffer(event), head.version())));
      assertTrue(event.contains("event: change"), event);
      String data = event.substring(event.indexOf("event: change")).lines().filter(l -> l.startsWith("data:")).map(l -> l.substring(5).trim())
          .collect(Collectors.joining());
      assertEquals(List.of(), document.validate("/components/schemas/SseChange", MAPPER.readTree(data)), data);
    } finally {
      client.close().await();
    }
  }

  /** Upgrades to a WebSocket (raw, to see the 101 as sent) and checks a watch's first messages. */
  private void webSocket(String uri) throws Exception {
    try (RawHttp connection = new RawHttp(server.port(), 10_000)) {
      Http.Response switching = connection.write("GET " + uri + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Authorization: " + Http.ADMIN_AUTHORIZATION + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").read();
      exchanges.add(new Exchange("GET", uri, switching));
    }
    try (WatchClients.Ws ws = new WatchClients.Ws(server.vertx(), server.port())) {
      ws.send(new JsonObject().put("op", "watch").put("id", "w1").put("prefix", "app/").put("fromRevision", 1));
      ws.send(new JsonObject().put("op", "launch"));
      for (int i = 0; i < 3; i++) {
        JsonObject message = ws.next();
        assertEquals(List.of(), document.validate("/components/schemas/WatchServerMessage",
            MAPPER.readTree(message.encode())), message::encode);
      }
    }
  }

  /** Every exchange conforms, every documented operation was exercised, and these statuses were seen. */
  private void assertConforms(Set<Integer> statuses) throws IOException {
    List<String> wrong = new ArrayList<>();
    Set<Integer> seen = new TreeSet<>();
    Set<String> exercised = new TreeSet<>();
    for (Exchange e : exchanges) {
      Http.Response r = e.response();
      seen.add(r.status());
      String path = e.uri().split("\\?")[0];
      String template = document.template(path);
      exercised.add(e.method() + " " + template);
      wrong.addAll(document.check(e.method(), e.uri(), r.status(), r.headers(), r.body().getBytes()));
    }
    wrong.addAll(narrower());
    wrong.addAll(snapshotLines());
    assertEquals(List.of(), wrong, () -> wrong.size() + " answers do not conform to the document");
    Set<String> missed = new TreeSet<>(documentedOperations());
    missed.removeAll(exercised);
    missed.remove("GET /v1/cluster"); // cluster mode only: its route is checked by everyMountedRouteIsDocumented...
    assertEquals(Set.of(), missed, "documented operations no request exercised");
    Set<Integer> unseen = new TreeSet<>(statuses);
    unseen.removeAll(seen);
    assertEquals(Set.of(), unseen, () -> "statuses no request reached; the exchanges: " + exchanges.stream()
        .map(e -> e.method() + " " + e.uri() + " " + e.response().status()).collect(Collectors.joining(", ")));
  }
}
