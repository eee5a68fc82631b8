package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.store.SystemKeys;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** JSON Schema per prefix: the admin API, enforcement on put, txn and rollback, and hostile schemas. */
class SchemaTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().build();

  private static final String PORT_SCHEMA = """
      {"type":"object","required":["port"],"properties":{"port":{"type":"integer","minimum":1,"maximum":65535},
       "host":{"type":"string"}}}""";

  @Test
  void validWritesPassAndInvalidOnesGet422WithTheViolations() {
    assertEquals(201, server.http().put("/v1/schemas/svc1/db", PORT_SCHEMA).status());
    assertEquals(201, server.http().put("/v1/kv/svc1/db", "{\"port\":5432}").status(), "the prefix key itself");
    assertEquals(201, server.http().put("/v1/kv/svc1/db/primary", "{\"port\":5432,\"host\":\"a\"}").status());

    Http.Response bad = server.http().put("/v1/kv/svc1/db/primary", "{\"port\":\"x\",\"host\":7}");
    assertEquals(422, bad.status(), bad::toString);
    assertEquals("application/problem+json", bad.header("Content-Type"));
    assertEquals("schema-violation", bad.json().getString("code"));
    JsonArray violations = bad.json().getJsonArray("violations");
    List<String> locations = new ArrayList<>();
    for (int i = 0; i < violations.size(); i++) {
      JsonObject v = violations.getJsonObject(i);
      assertEquals("svc1/db", v.getString("prefix"));
      assertFalse(v.getString("message").isBlank(), v::toString);
      locations.add(v.getString("instanceLocation"));
    }
    assertTrue(locations.contains("/port") && locations.contains("/host"), locations::toString);
    Http.Response missing = server.http().put("/v1/kv/svc1/db/replica", "{}");
    assertEquals(422, missing.status());
    assertTrue(missing.json().getJsonArray("violations").getJsonObject(0).getString("message").contains("port"),
        missing::toString);

    // Nothing changed: the key keeps its valid value and revision.
    JsonObject kept = server.http().get("/v1/kv/svc1/db/primary").json();
    assertEquals(new JsonObject().put("port", 5432).put("host", "a"), kept.getJsonObject("value"));
    assertEquals(404, server.http().get("/v1/kv/svc1/db/replica").status());

    // Prefixes are whole segments: svc1/dbx is not under svc1/db.
    assertEquals(201, server.http().put("/v1/kv/svc1/dbx", "\"anything\"").status());
    assertEquals(201, server.http().put("/v1/kv/svc1/other", "[1,2]").status());
  }

  @Test
  void largeValuesAreCheckedToo() {
    assertEquals(201, server.http().put("/v1/schemas/svc6", "{\"type\":\"array\",\"items\":{\"type\":\"integer\"}}").status());
    StringBuilder valid = new StringBuilder("[");
    for (int i = 0; i < 40_000; i++) {
      valid.append(i == 0 ? "" : ",").append(i);
    }
    String big = valid.append("]").toString();
    assertTrue(big.length() > 128 << 10);
    assertEquals(201, server.http().put("/v1/kv/svc6/big", big).status());
    String invalid = big.substring(0, big.length() - 1) + ",\"x\"]";
    Http.Response r = server.http().put("/v1/kv/svc6/big", invalid);
    assertEquals(422, r.status());
    assertEquals("/40000", r.json().getJsonArray("violations").getJsonObject(0).getString("instanceLocation"));
    Http.Response txn = server.http().post("/v1/txn", "{\"success\":[{\"op\":\"put\",\"key\":\"svc6/a\",\"value\":" + big
        + "},{\"op\":\"put\",\"key\":\"svc6/b\",\"value\":" + invalid + "}]}");
    assertEquals(422, txn.status());
    assertEquals(404, server.http().get("/v1/kv/svc6/a").status());
    assertEquals(big, server.http().get("/v1/kv/svc6/big?raw=true").body().toString());
  }

  @Test
  void nestedPrefixesMustAllBeSatisfied() {
    assertEquals(201, server.http().put("/v1/schemas/svc2", "{\"type\":\"object\"}").status());
    assertEquals(201, server.http().put("/v1/schemas/svc2/limits", "{\"properties\":{\"max\":{\"type\":\"integer\"}}}").status());
    assertEquals(201, server.http().put("/v1/kv/svc2/limits/a", "{\"max\":3}").status());
    Http.Response outer = server.http().put("/v1/kv/svc2/limits/a", "[3]");
    assertEquals(422, outer.status());
    assertEquals("svc2", outer.json().getJsonArray("violations").getJsonObject(0).getString("prefix"));
    Http.Response inner = server.http().put("/v1/kv/svc2/limits/a", "{\"max\":\"3\"}");
    assertEquals(422, inner.status());
    assertEquals("svc2/limits", inner.json().getJsonArray("violations").getJsonObject(0).getString("prefix"));
  }

  @Test
  void txnWithOneInvalidPutAppliesNothing() {
    assertEquals(201, server.http().put("/v1/schemas/svc3", PORT_SCHEMA).status());
    long before = Long.parseLong(server.http().get("/v1/kv/svc3-free-key").header("X-SSOT-Revision"));
    Http.Response r = server.http().post("/v1/txn", """
        {"compare":[],"success":[
          {"op":"put","key":"free/txn-a","value":1},
          {"op":"put","key":"svc3/ok","value":{"port":80}},
          {"op":"put","key":"svc3/bad","value":{"port":0}}]}""");
    assertEquals(422, r.status(), r::toString);
    assertEquals("schema-violation", r.json().getString("code"));
    assertEquals("/port", r.json().getJsonArray("violations").getJsonObject(0).getString("instanceLocation"));
    assertEquals(404, server.http().get("/v1/kv/free/txn-a").status());
    assertEquals(404, server.http().get("/v1/kv/svc3/ok").status());
    assertEquals(before, server.server().store().revision(), "no revision was used");

    // An invalid put in the branch that would not run refuses the txn too (both are checked).
    Http.Response failureBranch = server.http().post("/v1/txn", """
        {"compare":[{"key":"nope","exists":false}],"success":[{"op":"put","key":"svc3/ok","value":{"port":80}}],
         "failure":[{"op":"put","key":"svc3/bad","value":"x"}]}""");
    assertEquals(422, failureBranch.status());

    Http.Response ok = server.http().post("/v1/txn", """
        {"success":[{"op":"put","key":"svc3/ok","value":{"port":80}},{"op":"get","key":"svc3/ok"}]}""");
    assertEquals(200, ok.status(), ok::toString);
    assertTrue(ok.json().getBoolean("succeeded"));
  }

  @Test
  void schemaIsVersionedAuditedListedAndDeletable() {
    Http.Response v1 = server.http().put("/v1/schemas/svc4", "{\"type\":\"object\"}");
    assertEquals(201, v1.status());
    Http.Response v2 = server.http().put("/v1/schemas/svc4", "{\"type\":\"array\"}");
    assertEquals(200, v2.status());
    assertEquals(2, v2.json().getLong("version"));

    JsonObject got = server.http().get("/v1/schemas/svc4").json();
    assertEquals("svc4", got.getString("prefix"));
    assertEquals(new JsonObject().put("type", "array"), got.getJsonObject("schema"));
    assertEquals(v2.json().getLong("revision"), got.getLong("revision"));
    assertEquals("admin", got.getString("updatedBy"));

    assertEquals(201, server.http().put("/v1/kv/svc4/a", "[1]").status(), "the newer schema is in force");
    assertEquals(422, server.http().put("/v1/kv/svc4/b", "{}").status());

    JsonObject history = server.http().get("/v1/schemas/svc4?history=true").json();
    assertEquals("svc4", history.getString("prefix"));
    JsonArray items = history.getJsonArray("items");
    assertEquals(2, items.size());
    assertEquals(v2.json().getLong("revision"), items.getJsonObject(0).getLong("revision"));
    assertEquals(new JsonObject().put("type", "object"), items.getJsonObject(1).getJsonObject("value"));
    assertEquals("admin", items.getJsonObject(1).getString("updatedBy"));

    JsonArray all = server.http().get("/v1/schemas").json().getJsonArray("items");
    assertTrue(all.stream().map(o -> ((JsonObject) o).getString("prefix")).anyMatch("svc4"::equals), all::toString);

    // Schemas live in the reserved space: not listed or reachable as keys.
    assertTrue(server.http().get("/v1/kv?prefix=").json().getJsonArray("items").stream()
        .noneMatch(o -> ((JsonObject) o).getString("key").startsWith("~")));

    Http.Response deleted = server.http().delete("/v1/schemas/svc4");
    assertEquals(200, deleted.status());
    assertEquals(201, server.http().put("/v1/kv/svc4/b", "{}").status(), "no schema, no check");
    assertEquals(404, server.http().get("/v1/schemas/svc4").status());
    assertEquals(404, server.http().delete("/v1/schemas/svc4").status());
    assertEquals(3, server.http().get("/v1/schemas/svc4?history=true").json().getJsonArray("items").size());
    assertNull(server.server().store().get(SystemKeys.SCHEMAS + "svc4"));
  }

  @Test
  void rollbackToAValueTheSchemaNowRefusesIs422() {
    long rev = server.http().put("/v1/kv/svc5/a", "\"old\"").json().getLong("revision");
    assertEquals(201, server.http().put("/v1/schemas/svc5", "{\"type\":\"integer\"}").status());
    Http.Response r = server.http().post("/v1/rollback/svc5/a", "{\"toRevision\":" + rev + "}");
    assertEquals(422, r.status(), r::toString);
  }

  @Test
  void documentsThatAreNotSchemasAreRefused() {
    Map<String, Integer> cases = Map.of(
        "{\"type\":\"no-such-type\"}", 422,
        "{\"minimum\":\"one\"}", 422,
        "{\"properties\":[]}", 422,
        "42", 422,
        "{\"$schema\":\"http://json-schema.org/draft-04/schema#\"}", 422,
        "{\"$ref\":\"#/$defs/missing\"}", 422,
        "{\"type\":", 400,
        "{\"pattern\":\"([a-\"}", 422);
    cases.forEach((body, status) -> {
      Http.Response r = server.http().put("/v1/schemas/bad", body);
      assertEquals(status, r.status(), body + " -> " + r);
      assertEquals("application/problem+json", r.header("Content-Type"));
    });
    assertEquals(404, server.http().get("/v1/schemas/bad").status(), "nothing was stored");
    assertEquals(400, server.http().put("/v1/schemas/a//b", "{}").status());
    assertEquals(400, server.http().put("/v1/schemas/~sys", "{}").status());
    assertEquals(405, server.http().post("/v1/schemas/x", "{}").status());
  }

  @Test
  void remoteReferencesAreNeverFetched() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(200);
      Thread acceptor = new Thread(() -> {
        while (!listener.isClosed()) {
          try {
            listener.accept().close();
            connections.incrementAndGet();
          } catch (SocketTimeoutException e) {
            // keep listening
          } catch (java.io.IOException e) {
            return;
          }
        }
      });
      acceptor.start();
      String remote = "http://127.0.0.1:" + listener.getLocalPort() + "/schema.json";
      for (String body : List.of("{\"$ref\":\"" + remote + "\"}",
          "{\"properties\":{\"a\":{\"$ref\":\"" + remote + "#/x\"}}}",
          "{\"$id\":\"" + remote + "\",\"$ref\":\"other.json\"}",
          "{\"$ref\":\"file:///etc/passwd\"}", "{\"$ref\":\"classpath:logback.xml\"}",
          "{\"$ref\":\"classpath:draft/2020-12/schema\"}")) {
        Http.Response r = server.http().put("/v1/schemas/remote", body);
        assertEquals(422, r.status(), body + " -> " + r);
        assertEquals("invalid-schema", r.json().getString("code"));
      }
      listener.close();
      acceptor.join();
    }
    assertEquals(0, connections.get(), "the server connected out to fetch a schema");
  }

  @Test
  void hostileSchemasEndInAClearAnswer() {
    // A reference cycle with no keyword in between recurses forever when evaluated.
    String cycle = "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}";
    Http.Response r = server.http().put("/v1/schemas/hostile1", cycle);
    assertTrue(r.status() == 201 || r.status() == 422, r::toString);
    if (r.status() == 201) {
      Http.Response write = server.http().put("/v1/kv/hostile1/x", "{}");
      assertEquals(422, write.status(), write::toString);
    }
    // A recursive schema over a deep value: bounded by the depth budget, not the stack.
    String tree = "{\"$defs\":{\"n\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/n\"}}},\"$ref\":\"#/$defs/n\"}";
    Http.Response treeSchema = server.http().put("/v1/schemas/hostile2", tree);
    assertEquals(201, treeSchema.status(), treeSchema::toString);
    assertEquals(201, server.http().put("/v1/kv/hostile2/x", "[[[[]]]]").status());
    assertEquals(422, server.http().put("/v1/kv/hostile2/x", "[[[[1]]]]").status());
    // A schema as large as a value may be, of many nested definitions.
    StringBuilder big = new StringBuilder("{\"$defs\":{");
    for (int i = 0; i < 2000; i++) {
      big.append(i == 0 ? "" : ",").append("\"d").append(i).append("\":{\"anyOf\":[{\"$ref\":\"#/$defs/d")
          .append((i + 1) % 2000).append("\"},{\"type\":\"string\"}]}");
    }
    big.append("},\"$ref\":\"#/$defs/d0\"}");
    Http.Response huge = server.http().put("/v1/schemas/hostile3", big.toString());
    assertTrue(huge.status() == 201 || huge.status() == 422, huge::toString);
    if (huge.status() == 201) {
      // Valid or not, each write is either checked within the budget or refused for exceeding it.
      assertEquals(422, server.http().put("/v1/kv/hostile3/x", "{\"a\":1}").status());
      int status = server.http().put("/v1/kv/hostile3/y", "\"s\"").status();
      assertTrue(status == 201 || status == 422, "status " + status);
    }
    // None of it leaves the validator unable to compile the next schema.
    Http.Response after = server.http().put("/v1/schemas/hostile4", "{\"type\":\"string\"}");
    assertEquals(201, after.status(), after::toString);
    assertEquals(200, server.http().get("/health/live").status(), "still serving");
  }

  @Test
  void schemasSurviveARestart() throws Exception {
    try (TestServer own = TestServer.start(); Http client = new Http(server.vertx(), own.port())) {
      assertEquals(201, client.put("/v1/schemas/kept", PORT_SCHEMA).status());
      assertEquals(422, client.put("/v1/kv/kept/a", "{}").status());
      own.restart();
      try (Http again = new Http(server.vertx(), own.port())) {
        assertEquals(422, again.put("/v1/kv/kept/a", "{}").status(), "enforced after the restart");
        assertEquals(201, again.put("/v1/kv/kept/a", "{\"port\":1}").status());
        assertEquals(1, again.get("/v1/schemas/kept").json().getLong("version"));
      }
    }
  }
}
