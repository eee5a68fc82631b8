package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code otel.endpoint}: each request's span reaches a real OTLP/HTTP receiver, named by its route
 * template, a child of the request's {@code traceparent}, with method, status and key depth and
 * nothing that names a key or holds a value or token; the write-behind batches have spans too.
 */
class TracingTest {

  static final OtlpReceiver receiver = new OtlpReceiver();

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().postgres()
      .setting("otel.endpoint", receiver.endpoint()).build();

  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT = "00f067aa0ba902b7";
  private static final String SECRET_VALUE = "hunter2-never-in-a-span";

  @AfterAll
  static void stopReceiver() {
    receiver.close();
  }

  @Test
  void requestsAreTracedByRouteTemplateUnderTheCallersTrace() throws Exception {
    Http http = server.http();
    Map<String, String> traced = Map.of("traceparent", "00-" + TRACE + "-" + PARENT + "-01",
        "Content-Type", "application/json");
    assertEquals(201, http.put("/v1/kv/tenant-a/db/password", "{\"p\":\"" + SECRET_VALUE + "\"}", traced).status());
    assertEquals(200, http.get("/v1/kv/tenant-a/db/password", traced).status(), "the fast path");
    assertEquals(200, http.get("/v1/kv?prefix=tenant-a/db/", traced).status());
    assertEquals(404, http.get("/v1/kv/tenant-a/absent").status(), "without a traceparent");

    OtlpReceiver.Span put = receiver.await(s -> s.name().equals("PUT /v1/kv/{key}"), "of the PUT");
    assertEquals(TRACE, put.traceId());
    assertEquals(PARENT, put.parentSpanId());
    assertEquals(2, put.kind(), "SERVER");
    assertEquals("PUT", put.attributes().get("http.request.method"));
    assertEquals("/v1/kv/{key}", put.attributes().get("http.route"));
    assertEquals(201L, put.attributes().get("http.response.status_code"));
    assertEquals(3L, put.attributes().get("ssot.key.depth"));

    OtlpReceiver.Span get = receiver.await(s -> s.name().equals("GET /v1/kv/{key}")
        && Long.valueOf(200).equals(s.attributes().get("http.response.status_code")), "of the fast GET");
    assertEquals(TRACE, get.traceId());
    assertEquals(PARENT, get.parentSpanId());

    OtlpReceiver.Span list = receiver.await(s -> s.name().equals("GET /v1/kv"), "of the list");
    assertEquals(2L, list.attributes().get("ssot.key.depth"));
    assertEquals(TRACE, list.traceId());

    OtlpReceiver.Span absent = receiver.await(s -> s.name().equals("GET /v1/kv/{key}")
        && Long.valueOf(404).equals(s.attributes().get("http.response.status_code")), "of the 404");
    assertFalse(absent.traceId().equals(TRACE), "a request without traceparent starts its own trace");
    assertEquals("", absent.parentSpanId());

    OtlpReceiver.Span batch = receiver.await(s -> s.name().equals("write-behind batch"), "of a write-behind batch");
    assertTrue((Long) batch.attributes().get("ssot.revisions") >= 1, batch::toString);

    for (String secret : new String[] {SECRET_VALUE, "tenant-a", "password", TestServer.ADMIN_TOKEN}) {
      assertFalse(receiver.received(secret), secret + " was sent to the collector");
    }
  }
}
