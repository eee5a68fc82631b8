package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/** The failed-auth limiter, the audit log, auth switched off and monitoring behind a token. */
@ExtendWith(VertxExtension.class)
class AuthSettingsTest {

  @Test
  void anAddressThatKeepsFailingGets429AndOtherAddressesDoNot(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(Map.of("auth.maxFailuresPerMinute", "20"));
         Http guesser = new Http(vertx, server.port());
         // Another client address on the loopback network (Linux routes all of 127/8 to lo).
         Http neighbour = new Http(vertx, server.port(), new HttpClientOptions().setLocalAddress("127.0.0.2"))) {
      for (int i = 0; i < 20; i++) {
        assertEquals(401, guesser.as("ssot_0123456789abcdef_guess" + i).get("/v1/kv/a").status(), "attempt " + i);
      }
      Http.Response blocked = guesser.as("ssot_0123456789abcdef_guess20").get("/v1/kv/a");
      assertEquals(429, blocked.status(), blocked::toString);
      assertEquals("application/problem+json", blocked.header("Content-Type"));
      long retryAfter = Long.parseLong(blocked.header("Retry-After"));
      assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
      assertEquals(429, guesser.get("/v1/kv/a").status(), "even a good token waits: the address is throttled");
      assertEquals(429, guesser.anonymous().get("/v1/kv/a").status());
      assertEquals(200, guesser.get("/health/live").status(), "liveness needs no token and is never throttled");
      assertEquals(404, neighbour.get("/v1/kv/a").status(), "another address is not blocked");
      assertEquals(401, neighbour.anonymous().get("/v1/kv/a").status());
    }
  }

  @Test
  void tokenChangesAndDenialsAreAuditedAsJsonLines(Vertx vertx) throws Exception {
    ListAppender<ILoggingEvent> audit = new ListAppender<>();
    audit.start();
    Logger logger = (Logger) LoggerFactory.getLogger("ssot.audit");
    logger.addAppender(audit);
    try (TestServer server = TestServer.start(Map.of("auth.maxFailuresPerMinute", "3"));
         Http admin = new Http(vertx, server.port())) {
      JsonObject token = admin.post("/v1/tokens",
          "{\"name\":\"audited\",\"roles\":[{\"role\":\"read\",\"prefix\":\"a/\"}]}").json();
      String id = token.getString("id");
      assertEquals(403, admin.as(token.getString("token")).put("/v1/kv/a/k", "1").status());
      assertEquals(200, admin.delete("/v1/tokens/" + id).status());
      for (int i = 0; i < 4; i++) {
        admin.as(token.getString("token")).get("/v1/kv/a/k");
      }
      List<JsonObject> lines = audit.list.stream().map(e -> new JsonObject(e.getFormattedMessage())).toList();
      List<String> events = lines.stream().map(l -> l.getString("event")).toList();
      assertEquals(List.of("token-created", "forbidden", "token-revoked", "auth-failed", "auth-failed", "auth-failed",
          "auth-throttled"), events, "the fourth attempt is a 429, logged once per address and minute");
      JsonObject created = lines.get(0);
      assertEquals("admin", created.getString("principal"));
      assertEquals(id, created.getString("tokenId"));
      assertEquals("POST", created.getString("method"));
      assertEquals("/v1/tokens", created.getString("path"));
      JsonObject forbidden = lines.get(1);
      assertEquals("audited", forbidden.getString("principal"));
      assertEquals(id, forbidden.getString("tokenId"));
      assertEquals("/v1/kv/a/k", forbidden.getString("path"));
      assertTrue(forbidden.getString("outcome").contains("write"), forbidden::encode);
      assertEquals("127.0.0.1", lines.get(3).getString("address"));
      assertTrue(lines.stream().allMatch(l -> l.getString("time").endsWith("Z")));
      String all = lines.toString();
      assertTrue(!all.contains(token.getString("token").substring(22)), "no secret in the audit log");
    } finally {
      logger.detachAppender(audit);
    }
  }

  @Test
  void withAuthOffEveryoneIsAnonymousAndNeedsNoToken(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(Map.of("auth.enabled", "false"));
         Http http = new Http(vertx, server.port())) {
      Http anonymous = http.anonymous();
      assertEquals(201, anonymous.put("/v1/kv/open/k", "1").status());
      assertEquals("anonymous", anonymous.get("/v1/kv/open/k").json().getString("updatedBy"));
      assertEquals(200, http.as("anything").get("/v1/kv/open/k").status(), "no token is checked");
      try (WatchClients.Ws ws = new WatchClients.Ws(vertx, server.port(), null)) {
        ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", ""));
        assertEquals(Boolean.TRUE, ws.next().getBoolean("created"));
      }
      assertTrue(!java.nio.file.Files.exists(server.dataDir.resolve("admin.token")), "no admin token is made");
    }
  }

  @Test
  void monitoringCanRequireAToken(Vertx vertx) throws Exception {
    try (TestServer server = TestServer.start(Map.of("auth.anonymousMonitoring", "never"));
         Http http = new Http(vertx, server.port())) {
      for (String path : List.of("/health/ready", "/metrics")) {
        Http.Response r = http.anonymous().get(path);
        assertEquals(401, r.status(), path);
        assertEquals("Bearer realm=\"ssot\"", r.header("WWW-Authenticate"));
        assertEquals(200, http.get(path).status(), path + " with a token");
      }
      assertEquals(200, http.anonymous().get("/health/live").status());
      String reader = http.post("/v1/tokens", "{\"name\":\"probe\",\"roles\":[{\"role\":\"read\",\"prefix\":\"x/\"}]}")
          .json().getString("token");
      assertEquals(200, http.as(reader).get("/health/ready").status(), "any valid token may ask");
    }
  }
}
