package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code GET /v1/schemas} is paged as {@code GET /v1/kv} is: at most {@code limit} schemas
 * (by default {@code limits.maxPageSize}) and {@code limits.maxPageBytes} a page, one at least,
 * {@code next} the cursor of the page after, so the schemas of any number and size never make one answer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SchemaListingPagesTest {

  private static final int MAX_PAGE_BYTES = 4096;
  private static final int SCHEMA_BYTES = 1000;

  private Vertx vertx;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    vertx.close().await();
  }

  private static String schema(int i) {
    String description = "schema " + i + " ";
    return "{\"type\":\"object\",\"description\":\"" + description + "x".repeat(SCHEMA_BYTES - description.length())
        + "\"}";
  }

  @Test
  void theListingIsCutByBytesAndByLimitAndTheCursorWalkReturnsEverySchemaOnce() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxPageBytes", Integer.toString(MAX_PAGE_BYTES)));
         Http http = new Http(vertx, server.port())) {
      List<String> prefixes = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String prefix = String.format("svc%02d/conf", i);
        assertEquals(201, http.put("/v1/schemas/" + prefix, schema(i)).status());
        prefixes.add(prefix);
      }

      assertEquals(prefixes, walk(http, ""), "cut by bytes: every schema once, in order");
      assertEquals(prefixes, walk(http, "&limit=2"), "cut by limit: the same");

      Http.Response two = http.get("/v1/schemas?limit=2");
      assertEquals(2, two.json().getJsonArray("items").size());
      assertTrue(two.json().getString("next") != null);
    }
  }

  @Test
  void fewSchemasComeInOnePageWithNoNext() throws Exception {
    try (TestServer server = TestServer.start(); Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/schemas/a", "{\"type\":\"object\"}").status());
      assertEquals(201, http.put("/v1/schemas/b", "{\"type\":\"array\"}").status());
      JsonObject all = http.get("/v1/schemas").json();
      assertEquals(2, all.getJsonArray("items").size());
      assertNull(all.getValue("next"));
      assertTrue(all.containsKey("next"));
      assertEquals(new JsonObject().put("type", "array"), all.getJsonArray("items").getJsonObject(1)
          .getJsonObject("schema"));
    }
  }

  @Test
  void aBadLimitOrCursorIs400() throws Exception {
    try (TestServer server = TestServer.start(Map.of("limits.maxPageSize", "50"));
         Http http = new Http(vertx, server.port())) {
      for (String query : List.of("limit=0", "limit=51", "limit=x", "cursor=%25%25", "cursor=Ly8")) {
        Http.Response r = http.get("/v1/schemas?" + query);
        assertEquals(400, r.status(), query + ": " + r);
        assertEquals("application/problem+json", r.header("Content-Type"));
        assertEquals("invalid-parameter", r.json().getString("code"), r::toString);
      }
    }
  }

  /** The prefixes of every page from the first, checking each page's size on the way. */
  private static List<String> walk(Http http, String query) {
    List<String> walked = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      Http.Response r = http.get("/v1/schemas?" + query
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.US_ASCII)));
      assertEquals(200, r.status(), r::toString);
      JsonArray items = r.json().getJsonArray("items");
      assertTrue(!items.isEmpty(), "a page holds one schema at least");
      assertTrue(r.body().length() <= MAX_PAGE_BYTES + SCHEMA_BYTES + 400, r.body().length() + " bytes in a page");
      for (int i = 0; i < items.size(); i++) {
        walked.add(items.getJsonObject(i).getString("prefix"));
      }
      cursor = r.json().getString("next");
      pages++;
    } while (cursor != null);
    assertTrue(pages >= 4, pages + " pages");
    return walked;
  }
}
