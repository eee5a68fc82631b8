package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.yaml.snakeyaml.Yaml;

/**
 * The Spring Cloud Config Server protocol under {@code /config}: the layers of an environment and
 * their precedence, how key values flatten to property names, both media types, the renderings,
 * the label, permissions and bad input. One server; each test writes the keys it reads.
 */
@Timeout(60)
class SpringConfigRoutesTest {

  private static final String V2 = "application/vnd.spring-cloud.config-server.v2+json";

  private static Vertx vertx;
  private static TestServer server;
  private static Http admin;

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server = TestServer.start(Map.of("limits.maxPageBytes", "64KiB"));
    admin = new Http(vertx, server.port());
    // payments in prod, on the shared layers; "production" and "other" must never be read.
    put("config/application/default/greeting", "\"hello\"");
    put("config/application/default/shared", "\"base\"");
    put("config/application/default/db", "{\"pool\":{\"max\":4}}");
    put("config/application/default/hosts", "[\"x\",\"y\",\"z\"]");
    put("config/application/default/nothing", "null");
    put("config/application/prod/shared", "\"prod-all\"");
    put("config/payments/prod", "{\"ignored\":true}"); // the layer's own key: no property has an empty name
    put("config/payments/default/db", "{\"pool\":{\"max\":8,\"min\":1},\"url\":\"jdbc:base\"}");
    put("config/payments/prod/db", "{\"pool\":{\"max\":32}}");
    put("config/payments/prod/db/url", "\"jdbc:prod\"");
    put("config/payments/prod/hosts", "[\"a\",\"b\"]");
    put("config/payments/prod/ratio", "0.50");
    put("config/payments/prod/enabled", "true");
    put("config/payments/eu/region", "\"eu-west\"");
    put("config/payments/eu/db", "{\"pool\":{\"max\":64}}");
    put("config/payments/production/db", "{\"pool\":{\"max\":99}}");
    put("config/other/prod/secret", "\"x\"");
  }

  @AfterAll
  static void stop() {
    admin.close();
    server.close();
    vertx.close().await();
  }

  private static void put(String key, String value) {
    int status = admin.put("/v1/kv/" + key, value).status();
    assertTrue(status == 200 || status == 201, key + ": " + status);
  }

  private static long revision() {
    return Long.parseLong(admin.get("/v1/kv?limit=1").header("X-SSOT-Revision"));
  }

  private static List<String> names(JsonObject env) {
    List<String> names = new ArrayList<>();
    for (Object s : env.getJsonArray("propertySources")) {
      names.add(((JsonObject) s).getString("name"));
    }
    return names;
  }

  private static JsonObject source(JsonObject env, String name) {
    for (Object s : env.getJsonArray("propertySources")) {
      if (((JsonObject) s).getString("name").equals(name)) {
        return ((JsonObject) s).getJsonObject("source");
      }
    }
    throw new AssertionError("no source " + name + " in " + env);
  }

  @Test
  void profileLayersComeFirstAndValuesFlattenBelowTheirKey() {
    Http.Response r = admin.get("/config/payments/prod");
    assertEquals(200, r.status(), r::toString);
    assertTrue(r.header("Content-Type").startsWith("application/json"), r::toString);
    JsonObject env = r.json();
    assertEquals("payments", env.getString("name"));
    assertEquals(new JsonArray().add("prod"), env.getJsonArray("profiles"));
    assertEquals("main", env.getString("label"));
    assertEquals(Long.toString(revision()), env.getString("version"));
    assertEquals(r.header("X-SSOT-Revision"), env.getString("version"));
    assertEquals(List.of("config/payments/prod/", "config/application/prod/", "config/payments/default/",
        "config/application/default/"), names(env));

    JsonObject prod = source(env, "config/payments/prod/");
    assertEquals(new JsonObject().put("db.pool.max", 32).put("db.url", "jdbc:prod").put("enabled", true)
        .put("hosts[0]", "a").put("hosts[1]", "b").put("ratio", 0.5), prod);
    assertTrue(r.body().toString().contains("\"ratio\":0.50"), "a decimal as written: " + r.body());
    assertEquals(new JsonObject().put("db.pool.max", 8).put("db.pool.min", 1).put("db.url", "jdbc:base"),
        source(env, "config/payments/default/"));
    JsonObject shared = source(env, "config/application/default/");
    assertEquals("", shared.getString("nothing"), "null is empty, as in Spring's YAML");
    assertEquals("z", shared.getString("hosts[2]"));
  }

  @Test
  void severalProfilesTheLastNamedFirstAndTheDefaultProfileIsTheBase() {
    JsonObject env = admin.get("/config/payments/prod,eu").json();
    assertEquals(new JsonArray().add("prod").add("eu"), env.getJsonArray("profiles"));
    assertEquals(List.of("config/payments/eu/", "config/payments/prod/", "config/application/prod/",
        "config/payments/default/", "config/application/default/"), names(env));
    assertEquals(List.of("config/payments/default/", "config/application/default/"),
        names(admin.get("/config/payments/default").json()));
    assertEquals(List.of("config/application/prod/", "config/application/default/"),
        names(admin.get("/config/application/prod").json()), "the shared application alone");
    assertEquals(List.of("config/application/default/"), names(admin.get("/config/nosuchapp/nosuchprofile").json()),
        "an unknown application and profile: the shared base alone");
  }

  @Test
  void theV2MediaTypeWrapsEachValueWithTheKeyThatSetIt() {
    Http.Response r = admin.get("/config/payments/prod", Map.of("Accept", V2));
    assertEquals(200, r.status(), r::toString);
    assertEquals(V2, r.header("Content-Type"));
    JsonObject prod = source(r.json(), "config/payments/prod/");
    assertEquals(new JsonObject().put("value", 32).put("origin", "config/payments/prod/db"), prod.getJsonObject("db.pool.max"));
    assertEquals(new JsonObject().put("value", "jdbc:prod").put("origin", "config/payments/prod/db/url"),
        prod.getJsonObject("db.url"));
    assertEquals(new JsonObject().put("value", "a").put("origin", "config/payments/prod/hosts"),
        prod.getJsonObject("hosts[0]"));
    // Another Accept (or none) is the plain document.
    assertEquals(32, source(admin.get("/config/payments/prod", Map.of("Accept", "application/json")).json(),
        "config/payments/prod/").getInteger("db.pool.max"));
  }

  @Test
  void renderingsMergeWithPrecedenceAndAWholeArrayFromTheTopmostSource() {
    Http.Response properties = admin.get("/config/payments-prod.properties");
    assertEquals(200, properties.status(), properties::toString);
    assertTrue(properties.header("Content-Type").startsWith("text/plain"), properties::toString);
    assertEquals(String.join("\n", "db.pool.max: 32", "db.pool.min: 1", "db.url: jdbc:prod", "enabled: true",
        "greeting: hello", "hosts[0]: a", "hosts[1]: b", "nothing: ", "ratio: 0.50", "shared: prod-all"),
        properties.body().toString());

    Http.Response json = admin.get("/config/payments-prod.json");
    assertEquals(200, json.status(), json::toString);
    assertTrue(json.header("Content-Type").startsWith("application/json"));
    JsonObject expected = new JsonObject()
        .put("db", new JsonObject().put("pool", new JsonObject().put("max", 32).put("min", 1)).put("url", "jdbc:prod"))
        .put("enabled", true).put("greeting", "hello").put("hosts", new JsonArray().add("a").add("b"))
        .put("nothing", "").put("ratio", 0.5).put("shared", "prod-all");
    assertEquals(expected, json.json());
    assertTrue(json.body().toString().contains("\"ratio\":0.50"), json.body()::toString);

    for (String path : List.of("/config/payments-prod.yml", "/config/payments-prod.yaml",
        "/config/main/payments-prod.yml")) {
      Http.Response yaml = admin.get(path);
      assertEquals(200, yaml.status(), yaml::toString);
      Map<String, Object> tree = new Yaml().load(yaml.body().toString());
      assertEquals(expected.getMap().keySet(), tree.keySet(), path);
      assertEquals(32, ((Map<?, ?>) ((Map<?, ?>) tree.get("db")).get("pool")).get("max"), path);
      assertEquals(List.of("a", "b"), tree.get("hosts"), path);
      assertEquals("prod-all", tree.get("shared"), path);
    }
    assertEquals(properties.body().toString(), admin.get("/config/main/payments-prod.properties").body().toString());
    assertEquals(expected, admin.get("/config/main/payments-prod.json").json());
    // A name with hyphens: the profile is what follows the last one.
    put("config/my-app/prod/k", "1");
    assertTrue(admin.get("/config/my-app-prod.properties").body().toString().contains("\nk: 1\n"));
    assertEquals(1, source(admin.get("/config/my-app/prod").json(), "config/my-app/prod/").getInteger("k"));
  }

  @Test
  void theOnlyLabelIsMain() {
    assertEquals(200, admin.get("/config/payments/prod/main").status());
    assertProblem(admin.get("/config/payments/prod/develop"), 404, "not-found");
    assertProblem(admin.get("/config/develop/payments-prod.yml"), 404, "not-found");
    assertProblem(admin.get("/config/develop/payments-prod.properties"), 404, "not-found");
  }

  @Test
  void readingNeedsReadOnTheApplicationAndTheSharedLayers() {
    assertProblem(admin.anonymous().get("/config/payments/prod"), 401, "unauthorized");
    assertProblem(admin.as("not-a-token").get("/config/payments-prod.yml"), 401, "invalid-token");
    Http onPayments = admin.as(RequestBodyLimitsTest.token(admin, "payments-only", "read", "config/payments/"));
    assertProblem(onPayments.get("/config/payments/prod"), 403, "forbidden");
    Http onConfig = admin.as(RequestBodyLimitsTest.token(admin, "config-reader", "read", "config/"));
    assertEquals(200, onConfig.get("/config/payments/prod", Map.of("Accept", V2)).status());
    assertEquals(200, onConfig.get("/config/payments-prod.properties").status());
    Http onOther = admin.as(RequestBodyLimitsTest.token(admin, "other-reader", "read", "other/"));
    assertProblem(onOther.get("/config/payments/prod"), 403, "forbidden");
  }

  @Test
  void badNamesAre400AndUnknownPaths404() {
    assertProblem(admin.get("/config/pay%20ments/prod"), 400, "invalid-parameter");
    assertProblem(admin.get("/config/payments/pr%2Fod"), 400, "invalid-parameter");
    assertProblem(admin.get("/config/payments/prod,,eu"), 400, "invalid-parameter");
    assertProblem(admin.get("/config/payments/prod%ZZ"), 400, "invalid-path");
    assertProblem(admin.get("/config/payments/.."), 400, "invalid-path");
    assertProblem(admin.get("/config/payments"), 404, "not-found");
    assertProblem(admin.get("/config/a/b/c/d"), 404, "not-found");
    assertProblem(admin.get("/config/payments-.yml"), 404, "not-found");
    Http.Response post = admin.send(HttpMethod.POST, "/config/payments/prod", Map.of(), "{}");
    assertProblem(post, 405, "method-not-allowed");
    assertEquals("GET", post.header("Allow"));
  }

  @Test
  void anEnvironmentOverTheReadBoundIs422() {
    String big = "\"" + "v".repeat(30_000) + "\"";
    for (int i = 0; i < 3; i++) {
      put("config/big/default/k" + i, big);
    }
    assertProblem(admin.get("/config/big/default"), 422, "environment-too-large");
    assertProblem(admin.get("/config/big-default.properties"), 422, "environment-too-large");
    assertEquals(200, admin.get("/config/payments/prod").status(), "other environments still answer");
  }
  @Test
  void aReadCountsAgainstTheReadRate() throws Exception {
    try (TestServer limited = TestServer.start(Map.of("rateLimit.readsPerSecond", "1", "rateLimit.readBurst", "2"));
         Http http = new Http(vertx, limited.port())) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        statuses.add(http.get("/config/payments/prod").status());
      }
      assertEquals(200, statuses.get(0), statuses::toString);
      assertTrue(statuses.contains(429), statuses::toString);
    }
  }
}
