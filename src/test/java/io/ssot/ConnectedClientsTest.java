package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.protocol.ClientName;
import io.ssot.protocol.ViewDigest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who runs which revision: a watch WebSocket names its client on the upgrade, acks the revision
 * it applied with its view's digest, and {@code GET /v1/clients} (admin) lists it, behind or
 * current, and drifted when its digest is not the server's.
 */
class ConnectedClientsTest {

  private static TestServer server;
  private static Vertx vertx;
  private static Http http;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(Map.of("watch.progressInterval", "300ms"));
    vertx = Vertx.vertx();
    http = new Http(vertx, server.port());
  }

  @AfterAll
  static void stop() {
    http.close();
    vertx.close().await();
    server.close();
  }

  private static WatchClients.Ws connect(String query) {
    return new WatchClients.Ws(vertx, server.port(), Http.ADMIN_AUTHORIZATION, "/v1/watch" + query);
  }

  /** The server's digest of a prefix now, from a listing: what a client's view must match. */
  private static String digestOf(String prefix) {
    JsonObject listing = http.get("/v1/kv?prefix=" + prefix).json();
    ViewDigest d = new ViewDigest();
    JsonArray items = listing.getJsonArray("items");
    for (int i = 0; i < items.size(); i++) {
      d.add(items.getJsonObject(i).getString("key"), items.getJsonObject(i).getLong("revision"),
          compact(items.getJsonObject(i).getValue("value")));
    }
    return d.hex();
  }

  /** A value as the client library writes it back (Jackson's compact form). */
  private static byte[] compact(Object value) {
    try {
      com.fasterxml.jackson.databind.ObjectMapper m = new com.fasterxml.jackson.databind.ObjectMapper();
      return m.writeValueAsBytes(m.readTree(io.vertx.core.json.Json.encode(value)));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static long put(String key, String value) {
    Http.Response r = http.put("/v1/kv/" + key, value);
    assertTrue(r.status() == 200 || r.status() == 201, r::toString);
    return r.json().getLong("revision");
  }

  /** The connection of {@code clientId} on /v1/clients, once it satisfies {@code until} (within 10 s). */
  private static JsonObject client(String clientId, Predicate<JsonObject> until) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    JsonObject last = null;
    while (System.nanoTime() < deadline) {
      Http.Response r = http.get("/v1/clients");
      assertEquals(200, r.status(), r::toString);
      JsonArray clients = r.json().getJsonArray("clients");
      for (int i = 0; i < clients.size(); i++) {
        JsonObject c = clients.getJsonObject(i);
        if (clientId.equals(c.getString("clientId"))) {
          last = c;
          if (until.test(c)) {
            return c;
          }
        }
      }
      Thread.sleep(50);
    }
    throw new AssertionError("client " + clientId + " never got there; last seen: " + last);
  }

  private static JsonObject nextWith(WatchClients.Ws ws, String field) throws InterruptedException {
    while (true) {
      JsonObject m = ws.next();
      if (m.containsKey(field)) {
        return m;
      }
    }
  }

  @Test
  void aNamedClientIsListedCurrentThenDriftedWhenItsDigestDiffers() throws Exception {
    String prefix = "named/";
    put(prefix + "a", "{\"x\":1}");
    long r = put(prefix + "b", "2");
    try (WatchClients.Ws ws = connect("?clientId=c-1&application=payments&instance=host-1/4242")) {
      ws.send(new JsonObject().put("op", "watch").put("id", "w1").put("prefix", prefix).put("fromRevision", r + 1));
      assertEquals(true, nextWith(ws, "created").getBoolean("created"));

      JsonObject before = client("c-1", c -> true);
      assertEquals("payments", before.getString("application"));
      assertEquals("host-1/4242", before.getString("instance"));
      assertEquals("admin", before.getString("principal"));
      assertEquals("127.0.0.1", before.getString("address"));
      assertNotNull(before.getString("connectedSince"));
      assertEquals("unknown", before.getString("status"));
      assertNull(before.getValue("appliedRevision"));

      long current = http.get("/v1/kv/" + prefix + "b").json().getLong("revision");
      String good = digestOf(prefix);
      ws.send(new JsonObject().put("op", "ack").put("id", "w1").put("revision", current).put("digest", good));
      JsonObject acked = client("c-1", c -> c.getJsonArray("watches").size() == 1
          && "current".equals(c.getJsonArray("watches").getJsonObject(0).getString("drift")));
      JsonObject watch = acked.getJsonArray("watches").getJsonObject(0);
      assertEquals(prefix, watch.getString("prefix"));
      assertEquals(good, watch.getString("digest"));
      assertEquals(false, acked.getBoolean("drifted"));

      // Another key's write puts the client one revision behind until it acks again.
      long other = put("elsewhere/k", "1");
      JsonObject behind = client("c-1", c -> c.getLong("revisionsBehind") >= 1);
      assertEquals("behind", behind.getString("status"));
      assertTrue(behind.getDouble("secondsBehind") >= 0, behind::encode);

      // A view that lost key b: its digest differs, and the client is told so.
      JsonObject a = http.get("/v1/kv/" + prefix + "a").json();
      ViewDigest wrong = new ViewDigest().add(prefix + "a", a.getLong("revision"), compact(a.getValue("value")));
      ws.send(new JsonObject().put("op", "ack").put("id", "w1").put("revision", other).put("digest", wrong.hex()));
      JsonObject notice = nextWith(ws, "drifted");
      assertEquals("w1", notice.getString("id"));
      assertEquals(other, notice.getLong("drifted"));
      assertEquals(good, notice.getString("digest"), "the server's digest: the prefix did not change since");
      JsonObject drifted = client("c-1", c -> c.getBoolean("drifted"));
      assertEquals("drifted", drifted.getString("status"));
      assertEquals(0, drifted.getLong("revisionsBehind"));
      assertTrue(metric("ssot_clients_drifted_total") >= 1);
      assertTrue(metric("ssot_clients_connected") >= 1);
      assertTrue(metric("ssot_clients_behind{le=\"0\",}") >= 1 || metric("ssot_clients_behind{le=\"0\"}") >= 1);

      // The right digest again (a re-listed view): current again.
      ws.send(new JsonObject().put("op", "ack").put("id", "w1").put("revision", other).put("digest", good));
      JsonObject repaired = client("c-1", c -> !c.getBoolean("drifted"));
      assertEquals("current", repaired.getString("status"));
    }
  }

  private static double metric(String nameAndLabels) {
    return http.get("/metrics").body().toString().lines()
        .filter(l -> l.startsWith(nameAndLabels + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .findFirst().orElse(-1);
  }

  @Test
  void everyAckIsComparedEvenWhenManyArriveAtOnce() throws Exception {
    String prefix = "many/";
    for (int i = 0; i < 20; i++) {
      put(prefix + "k" + i, Integer.toString(i));
    }
    long revision = http.get("/v1/kv?prefix=" + prefix).json().getLong("revision");
    String good = digestOf(prefix);
    java.util.List<WatchClients.Ws> sockets = new java.util.ArrayList<>();
    try {
      for (int c = 0; c < 8; c++) {
        WatchClients.Ws ws = connect("?clientId=many-" + c);
        sockets.add(ws);
        ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", prefix));
        nextWith(ws, "created");
      }
      // Eight acks at once, more than the checks that run together: each is queued, none skipped.
      for (int c = 0; c < 8; c++) {
        sockets.get(c).socket.writeTextMessage(new JsonObject().put("op", "ack").put("id", "w")
            .put("revision", revision).put("digest", c == 5 ? new ViewDigest().hex() : good).encode());
      }
      for (int c = 0; c < 8; c++) {
        String expected = c == 5 ? "drifted" : "current";
        client("many-" + c, x -> x.getJsonArray("watches").size() == 1
            && expected.equals(x.getJsonArray("watches").getJsonObject(0).getString("drift")));
      }
      assertEquals(revision, nextWith(sockets.get(5), "drifted").getLong("drifted"));
    } finally {
      sockets.forEach(WatchClients.Ws::close);
    }
  }

  @Test
  void badNamesAreRefusedAtTheHandshakeWith400() {
    String tooLong = "x".repeat(ClientName.MAX_LENGTH + 1);
    for (String query : new String[] {"?clientId=", "?application=" + tooLong, "?instance=a%20b",
        "?clientId=a&clientId=b", "?clientId=%C3%A9"}) {
      Http.Response r = http.send(HttpMethod.GET, "/v1/watch" + query, Map.of(
          "Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13",
          "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), null);
      assertEquals(400, r.status(), query + ": " + r);
      assertEquals("invalid-client-name", r.json().getString("code"), r::toString);
      assertTrue(r.json().getString("detail").contains("client") || r.json().getString("detail").contains("application")
          || r.json().getString("detail").contains("instance"), r::toString);
    }
  }

  @Test
  void badAcksAreAnsweredAndTheConnectionStays() throws Exception {
    try (WatchClients.Ws ws = connect("?clientId=bad-acks")) {
      ws.send(new JsonObject().put("op", "ack").put("id", "nope").put("revision", 1));
      assertEquals("unknown-id", nextWith(ws, "error").getString("error"));
      ws.send(new JsonObject().put("op", "watch").put("id", "w").put("prefix", "badacks/"));
      nextWith(ws, "created");
      ws.send(new JsonObject().put("op", "ack").put("id", "w").put("revision", -1));
      assertEquals("invalid-message", nextWith(ws, "error").getString("error"));
      ws.send(new JsonObject().put("op", "ack").put("id", "w").put("revision", "7"));
      assertEquals("invalid-message", nextWith(ws, "error").getString("error"));
      ws.send(new JsonObject().put("op", "ack").put("id", "w").put("revision", 1).put("digest", "ABC"));
      JsonObject e = nextWith(ws, "error");
      assertEquals("invalid-message", e.getString("error"));
      assertTrue(e.getString("detail").contains("64"), e::encode);
      ws.send(new JsonObject().put("op", "hello").put("id", "w"));
      assertEquals("unknown-op", nextWith(ws, "error").getString("error"));
    }
  }

  @Test
  void clientsNeedsAdmin() {
    JsonObject body = new JsonObject().put("name", "clients-reader")
        .put("roles", new JsonArray().add(new JsonObject().put("role", "read").put("prefix", "")));
    Http.Response created = http.post("/v1/tokens", body.encode());
    assertEquals(201, created.status(), created::toString);
    Http.Response r = http.as(created.json().getString("token")).get("/v1/clients");
    assertEquals(403, r.status(), r::toString);
    assertEquals(401, http.anonymous().get("/v1/clients").status());
    assertEquals(405, http.send(HttpMethod.DELETE, "/v1/clients", Map.of(), null).status());
  }

  @Test
  void manyAcksKeepOneSlotPerWatchAndSlotsAreBounded() throws Exception {
    try (WatchClients.Ws ws = connect("?clientId=bounded")) {
      put("bounded/x", "1");
      int watches = ClientName.MAX_ACKED_WATCHES + 1;
      for (int i = 0; i < watches; i++) {
        ws.send(new JsonObject().put("op", "watch").put("id", "w" + i).put("prefix", "bounded/" + i + "/"));
        nextWith(ws, "created");
      }
      long revision = http.get("/v1/kv?prefix=bounded/").json().getLong("revision");
      for (int n = 0; n < 2000; n++) {
        ws.send(new JsonObject().put("op", "ack").put("id", "w0").put("revision", revision - (n % 2)));
      }
      for (int i = 1; i < ClientName.MAX_ACKED_WATCHES; i++) {
        ws.send(new JsonObject().put("op", "ack").put("id", "w" + i).put("revision", revision));
      }
      ws.send(new JsonObject().put("op", "ack").put("id", "w" + ClientName.MAX_ACKED_WATCHES).put("revision", revision));
      JsonObject refused = nextWith(ws, "error");
      assertEquals("too-many-acks", refused.getString("error"), refused::encode);
      assertEquals("w" + ClientName.MAX_ACKED_WATCHES, refused.getString("id"));
      JsonObject c = client("bounded", x -> x.getJsonArray("watches").size() == ClientName.MAX_ACKED_WATCHES);
      assertEquals(ClientName.MAX_ACKED_WATCHES, c.getJsonArray("watches").size());
      // A cancelled watch frees its slot for another.
      ws.send(new JsonObject().put("op", "cancel").put("id", "w3"));
      nextWith(ws, "canceled");
      ws.send(new JsonObject().put("op", "ack").put("id", "w" + ClientName.MAX_ACKED_WATCHES).put("revision", revision));
      JsonObject after = client("bounded", x -> x.getJsonArray("watches").stream()
          .anyMatch(w -> ("w" + ClientName.MAX_ACKED_WATCHES).equals(((JsonObject) w).getString("id"))));
      assertEquals(ClientName.MAX_ACKED_WATCHES, after.getJsonArray("watches").size());
      assertNotEquals(0, after.getLong("connection"));
    }
  }
}
