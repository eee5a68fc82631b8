package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Authorization edges the endpoint matrix does not reach: the schema endpoints need admin even
 * from a token that writes everything; a write grant on one prefix gives nothing on another for
 * DELETE and rollback; and {@code X-Forwarded-For} never changes who a request counts against.
 */
@Timeout(60)
class AuthScopeTest {

  @Test
  void schemasNeedAdminAndWriteOnAnotherPrefixGivesNothing() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(); Http admin = new Http(vertx, server.port())) {
      assertEquals(201, admin.put("/v1/schemas/cfg", "{\"type\":\"object\"}").status());
      assertEquals(201, admin.put("/v1/kv/b/x", "{\"v\":1}").status());
      long first = Long.parseLong(admin.get("/v1/kv/b/x").header("ETag").replace("\"", ""));
      assertEquals(200, admin.put("/v1/kv/b/x", "{\"v\":2}").status());
      assertEquals(201, admin.put("/v1/kv/a/y", "{\"v\":1}").status());
      Http writer = admin.as(RequestBodyLimitsTest.token(admin, "writer", "write", ""));
      Http onA = admin.as(RequestBodyLimitsTest.token(admin, "a-writer", "write", "a/"));
      long before = revision(admin); // tokens are stored too: counted from here

      assertProblem(writer.put("/v1/schemas/cfg", "{\"type\":\"array\"}"), 403, "forbidden");
      assertProblem(writer.put("/v1/schemas/other", "{\"type\":\"array\"}"), 403, "forbidden");
      assertProblem(writer.delete("/v1/schemas/cfg"), 403, "forbidden");
      assertProblem(writer.get("/v1/schemas/cfg"), 403, "forbidden");
      assertProblem(writer.get("/v1/schemas"), 403, "forbidden");

      assertProblem(onA.delete("/v1/kv/b/x"), 403, "forbidden");
      assertProblem(onA.post("/v1/rollback/b/x", "{\"toRevision\":" + first + "}"), 403, "forbidden");
      assertEquals(before, revision(admin), "nothing changed");
      assertEquals("{\"v\":2}", admin.get("/v1/kv/b/x?raw=true").body().toString());
      assertEquals("{\"type\":\"object\"}", admin.get("/v1/schemas/cfg").json().getJsonObject("schema").encode());
      assertEquals(404, admin.get("/v1/schemas/other").status());
      assertEquals(200, onA.delete("/v1/kv/a/y").status(), "its own prefix it may write");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void xForwardedForDoesNotChangeWhoFailedAuthenticationCountsAgainst() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(Map.of("auth.maxFailuresPerMinute", "3"));
         Http http = new Http(vertx, server.port())) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        statuses.add(http.as("wrong-token-" + i).get("/v1/kv/k", Map.of("X-Forwarded-For", "10.0.0." + i)).status());
      }
      assertEquals(List.of(401, 401, 401, 429, 429), statuses, "counted against the connecting address");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void xForwardedForDoesNotChangeWhoARateLimitCountsAgainst() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestServer server = TestServer.start(Map.of("rateLimit.readsPerSecond", "1", "rateLimit.readBurst", "2",
        "auth.maxFailuresPerMinute", "0"));
         Http http = new Http(vertx, server.port())) {
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 6; i++) { // no credentials: the identity is the address, whatever the header says
        statuses.add(http.anonymous().get("/v1/kv/k", Map.of("X-Forwarded-For", "10.0.1." + i)).status());
      }
      assertTrue(statuses.contains(429), "one address, one bucket: " + statuses);
    } finally {
      vertx.close().await();
    }
  }

  private static long revision(Http http) {
    return Long.parseLong(http.get("/v1/kv?limit=1").header("X-SSOT-Revision"));
  }
}
