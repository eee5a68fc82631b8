package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Single-key reads answered before the router ({@code api.FastGet}) are the same answers the
 * router gives: the same request spelled so that only the router takes it (an escaped character in
 * the key) must get the same status, headers and body, over HTTP/1.1 and h2c.
 */
class FastGetTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().build();

  @Test
  void theFastAnswerIsTheRoutersAnswer() {
    try (Http h1 = new Http(server.vertx(), server.port()); Http h2 = Http.h2c(server.vertx(), server.port())) {
      assertEquals(201, h1.put("/v1/kv/fast/get-me", "{\"a\": [1, 2, \"\\u00e9\"]}").status());
      long countedBefore = okGetsCounted(h1);
      for (Http http : List.of(h1, h2)) {
        for (String query : List.of("", "?raw=true")) {
          Http.Response fast = http.get("/v1/kv/fast/get-me" + query);
          Http.Response routed = http.get("/v1/kv/fast/get%2Dme" + query);
          assertEquals(200, fast.status(), fast::toString);
          assertEquals(routed.status(), fast.status());
          assertEquals(routed.body(), fast.body(), query);
          // The router gives a request without an id one; the fast path does not. Nothing else differs.
          Map<String, String> fastHeaders = headers(fast);
          Map<String, String> routedHeaders = headers(routed);
          assertNotNull(routedHeaders.remove("X-Request-Id"));
          assertNull(fastHeaders.get("X-Request-Id"));
          assertEquals(routedHeaders, fastHeaders, query);
        }
      }
      assertEquals(countedBefore + 8, okGetsCounted(h1), "fast answers are counted under the route template");
    }
  }

  @Test
  void aHotKeysRememberedAnswerNeverOutlivesAWrite() {
    try (Http h1 = new Http(server.vertx(), server.port()); Http h2 = Http.h2c(server.vertx(), server.port())) {
      for (int round = 1; round <= 20; round++) {
        String value = "{\"round\":" + round + "}";
        assertEquals(round == 1 ? 201 : 200, h1.put("/v1/kv/fast/hot", value).status());
        for (int read = 0; read < 5; read++) { // read often: kept by the read cache and the answer cache
          for (Http http : List.of(h1, h2)) {
            Http.Response raw = http.get("/v1/kv/fast/hot?raw=true");
            assertEquals(value, raw.body().toString(), "round " + round);
            Http.Response full = http.get("/v1/kv/fast/hot");
            assertEquals(round, new JsonObject(full.body()).getJsonObject("value").getInteger("round"));
          }
        }
        // A write to another key moves the store revision: the answer is the same, its revision header new.
        Http.Response other = h1.put("/v1/kv/fast/other", "1");
        String storeRevision = new JsonObject(other.body()).getLong("revision").toString();
        for (Http http : List.of(h1, h2)) {
          assertEquals(storeRevision, http.get("/v1/kv/fast/hot").header("x-ssot-revision"));
        }
      }
      assertEquals(200, h1.delete("/v1/kv/fast/hot").status());
      for (Http http : List.of(h1, h2)) {
        assertEquals(404, http.get("/v1/kv/fast/hot").status());
        assertEquals(404, http.get("/v1/kv/fast/hot?raw=true").status());
      }
    }
  }

  private static long okGetsCounted(Http http) {
    String metrics = http.get("/metrics").body().toString();
    Matcher count = Pattern.compile("ssot_http_server_requests_seconds_count\\{code=\"200\",method=\"GET\","
        + "route=\"/v1/kv/\\{key}\"} (\\d+)").matcher(metrics);
    return count.find() ? Long.parseLong(count.group(1)) : 0;
  }

  @Test
  void whatTheFastPathDoesNotTakeTheRouterAnswers() {
    try (Http http = new Http(server.vertx(), server.port())) {
      assertEquals(404, http.get("/v1/kv/fast/absent").status());
      assertEquals(400, http.get("/v1/kv/fast//double").status());
      assertEquals(400, http.get("/v1/kv/fast/trailing/").status());
      assertEquals(400, http.get("/v1/kv/fast/x?raw=maybe").status());
      long rev = http.put("/v1/kv/fast/etag", "1").json().getLong("revision");
      assertEquals(304, http.get("/v1/kv/fast/etag", Map.of("If-None-Match", "\"" + rev + "\"")).status());
      assertEquals(304, http.get("/v1/kv/fast/etag?raw=true", Map.of("If-None-Match", "\"" + rev + "\"")).status());
      assertEquals(200, http.get("/v1/kv/fast/etag?raw=true&atRevision=" + rev).status());
    }
  }

  @Test
  void theFastPathRefusesNothingItselfAndGrantsNothingTheRouterWouldNot() {
    try (Http admin = new Http(server.vertx(), server.port())) {
      assertEquals(201, admin.put("/v1/kv/fast/guarded", "{\"secret\": 1}").status());
      String other = admin.post("/v1/tokens",
          "{\"name\":\"other\",\"roles\":[{\"role\":\"read\",\"prefix\":\"elsewhere/\"}]}").json().getString("token");
      String reader = admin.post("/v1/tokens",
          "{\"name\":\"reader\",\"roles\":[{\"role\":\"read\",\"prefix\":\"fast/\"}]}").json().getString("token");
      for (String query : List.of("", "?raw=true")) {
        String uri = "/v1/kv/fast/guarded" + query;
        Http.Response none = admin.anonymous().get(uri);
        assertEquals(401, none.status(), none::toString);
        assertEquals("application/problem+json", none.header("Content-Type"));
        assertEquals(401, admin.as("ssot_0000000000000000_bad").get(uri).status());
        assertEquals(403, admin.as(other).get(uri).status());
        assertEquals(200, admin.as(reader).get(uri).status());
        assertEquals(200, admin.get(uri).status());
      }
    }
  }

  @Test
  void aConnectionsRememberedTokenStillEndsWithItsRevocationAndExpiry() throws Exception {
    try (Http admin = new Http(server.vertx(), server.port()); Http h1 = new Http(server.vertx(), server.port());
         Http h2 = Http.h2c(server.vertx(), server.port())) {
      assertEquals(201, admin.put("/v1/kv/fast/kept", "1").status());
      for (Http http : List.of(h1, h2)) {
        JsonObject revocable = admin.post("/v1/tokens",
            "{\"name\":\"revocable\",\"roles\":[{\"role\":\"read\",\"prefix\":\"fast/\"}]}").json();
        Http reader = http.as(revocable.getString("token"));
        for (int i = 0; i < 3; i++) {
          assertEquals(200, reader.get("/v1/kv/fast/kept").status()); // the same kept-alive connection
        }
        assertEquals(200, admin.delete("/v1/tokens/" + revocable.getString("id")).status());
        assertEquals(401, reader.get("/v1/kv/fast/kept").status());

        String shortLived = admin.post("/v1/tokens",
            "{\"name\":\"short\",\"ttl\":\"1s\",\"roles\":[{\"role\":\"read\",\"prefix\":\"fast/\"}]}")
            .json().getString("token");
        assertEquals(200, http.as(shortLived).get("/v1/kv/fast/kept").status());
        Thread.sleep(1_100);
        assertEquals(401, http.as(shortLived).get("/v1/kv/fast/kept").status());
        assertEquals(200, http.get("/v1/kv/fast/kept").status(), "another token on the same connection");
      }
    }
  }

  private static Map<String, String> headers(Http.Response response) {
    Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    response.headers().forEach(h -> headers.put(h.getKey(), h.getValue()));
    return headers;
  }
}
