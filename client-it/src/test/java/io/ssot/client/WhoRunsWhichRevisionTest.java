package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.testsupport.LoopbackPorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who runs which revision, against the real server: three clients view one prefix; one is held in
 * a listener, one has its view altered; {@code GET /v1/clients} shows the held one behind, the
 * altered one drifted and then repaired by its re-listing, the third current.
 */
class WhoRunsWhichRevisionTest {

  @TempDir
  Path dir;

  @Test
  void heldClientIsBehindAlteredClientDriftsAndIsRepairedOthersAreCurrent() throws Exception {
    try (ServerProcess server = ServerProcess.start(dir.resolve("data"), LoopbackPorts.free(),
             Map.of("SSOT_WATCH_PROGRESS_INTERVAL", "300ms"));
         SsotClient admin = server.client().clientId("writer").build();
         SsotClient current = server.client().clientId("fleet-current").application("fleet").instance("i-1").build();
         SsotClient held = server.client().clientId("fleet-held").application("fleet").instance("i-2").build();
         SsotClient altered = server.client().clientId("fleet-altered").application("fleet").instance("i-3").build()) {
      admin.put("fleet/a", 1);
      long seeded = admin.put("fleet/b", Map.of("pool", 8)).revision();
      ConfigView currentView = current.view("fleet/");
      ConfigView heldView = held.view("fleet/");
      ConfigView alteredView = altered.view("fleet/");
      for (ConfigView v : new ConfigView[] {currentView, heldView, alteredView}) {
        assertTrue(v.awaitReady(Duration.ofSeconds(10)));
      }
      Clients clients = new Clients(server);
      for (String id : new String[] {"fleet-current", "fleet-held", "fleet-altered"}) {
        JsonNode c = clients.await(id, n -> n.path("appliedRevision").asLong(-1) >= seeded);
        assertEquals("fleet", c.get("application").asText());
        assertEquals("admin", c.get("principal").asText());
        assertEquals("fleet/", c.get("watches").get(0).get("prefix").asText());
      }
      assertEquals("i-2", clients.await("fleet-held", n -> true).get("instance").asText());

      CountDownLatch release = new CountDownLatch(1);
      heldView.onPrefix("", change -> {
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      long changed = admin.put("fleet/a", 2).revision();

      JsonNode cur = clients.await("fleet-current", n -> n.path("appliedRevision").asLong() == changed
          && !"unchecked".equals(n.path("watches").path(0).path("drift").asText()));
      assertEquals("current", cur.get("status").asText());
      assertEquals(0, cur.get("revisionsBehind").asLong());
      assertEquals(currentView.snapshot().digest(), cur.get("watches").get(0).get("digest").asText());
      assertEquals("current", cur.get("watches").get(0).get("drift").asText(), "its digest was compared and matched");
      clients.await("fleet-altered", n -> n.path("appliedRevision").asLong() == changed);

      // The held client has the change in memory, but its listener has not returned: not applied.
      JsonNode behind = clients.await("fleet-held", n -> n.path("revisionsBehind").asLong() >= 1);
      assertEquals("behind", behind.get("status").asText());
      assertTrue(behind.get("appliedRevision").asLong() < changed, behind::toString);
      assertTrue(behind.get("secondsBehind").asDouble() >= 0, behind::toString);
      assertEquals(changed, heldView.revision());

      // The altered view: the server finds its digest wrong, tells it, and it lists again.
      double driftsBefore = clients.metric("ssot_clients_drifted_total");
      alteredView.corruptEntryForDriftTest("fleet/b", Json.MAPPER.valueToTree(Map.of("pool", 999)));
      assertEquals(999, alteredView.getInt("fleet/b", "/pool", 0));
      JsonNode repaired = clients.await("fleet-altered", n -> n.path("drifts").asLong() >= 1
          && !n.path("drifted").asBoolean() && "current".equals(n.path("status").asText())
          && "current".equals(n.path("watches").path(0).path("drift").asText()));
      assertEquals(changed, repaired.get("appliedRevision").asLong());
      assertEquals("current", repaired.get("watches").get(0).get("drift").asText());
      assertTrue(repaired.hasNonNull("lastDriftAt"), repaired::toString);
      assertEquals(8, alteredView.getInt("fleet/b", "/pool", 0), "the re-listing restored the value");
      assertEquals(currentView.snapshot().digest(), alteredView.snapshot().digest());
      assertTrue(clients.metric("ssot_clients_drifted_total") >= driftsBefore + 1);
      assertTrue(Files.readString(server.log).contains("\"event\":\"client-drifted\""), "an audit line");

      // The other two never drifted.
      assertEquals(0, clients.await("fleet-current", n -> true).get("drifts").asLong());
      assertEquals(0, clients.await("fleet-held", n -> true).get("drifts").asLong());
      assertTrue(clients.metric("ssot_clients_connected") >= 3);

      release.countDown();
      JsonNode caughtUp = clients.await("fleet-held", n -> "current".equals(n.path("status").asText()));
      assertEquals(changed, caughtUp.get("appliedRevision").asLong());
      assertNotEquals("drifted", caughtUp.get("status").asText());
      assertFalse(caughtUp.get("drifted").asBoolean());
    }
  }

  @Test
  void namesAreCheckedByTheBuilderAndHaveDefaults() {
    assertThrows(IllegalArgumentException.class, () -> SsotClient.builder().clientId("has space"));
    assertThrows(IllegalArgumentException.class, () -> SsotClient.builder().application(""));
    assertThrows(IllegalArgumentException.class, () -> SsotClient.builder().instance("x".repeat(129)));
    try (SsotClient a = SsotClient.builder().endpoints("http://127.0.0.1:1").build();
         SsotClient b = SsotClient.builder().endpoints("http://127.0.0.1:1").build()) {
      assertNotEquals(a.clientId(), b.clientId(), "a random id each");
      assertEquals(null, a.application());
      assertTrue(a.instance().endsWith("/" + ProcessHandle.current().pid()), a.instance());
      assertEquals(null, io.ssot.protocol.ClientName.problem("instance", a.instance()));
    }
  }

  /** GET /v1/clients and /metrics as the admin. */
  private static final class Clients {
    private final HttpClient http = HttpClient.newHttpClient();
    private final ServerProcess server;

    Clients(ServerProcess server) {
      this.server = server;
    }

    private String get(String path) throws IOException, InterruptedException {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path))
          .header("Authorization", "Bearer " + ServerProcess.TOKEN).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r::body);
      return r.body();
    }

    /** The connection of {@code clientId} once it satisfies {@code until} (within 15 s). */
    JsonNode await(String clientId, Predicate<JsonNode> until) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      JsonNode last = null;
      while (System.nanoTime() < deadline) {
        for (JsonNode c : Json.parse(get("/v1/clients")).get("clients")) {
          if (clientId.equals(c.path("clientId").asText())) {
            last = c;
            if (until.test(c)) {
              return c;
            }
          }
        }
        Thread.sleep(50);
      }
      throw new AssertionError(clientId + " never got there; last seen: " + last);
    }

    double metric(String name) throws IOException, InterruptedException {
      return get("/metrics").lines().filter(l -> l.startsWith(name + " "))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }
  }
}
