package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A write on a follower is one trace across both nodes: the follower's request span (a child of
 * the client's {@code traceparent}), its {@code forward write} span, and the leader's request span
 * as a child of that, through the {@code traceparent} the follower sends on.
 */
@ExtendWith(VertxExtension.class)
class ClusterTracingTest {

  @RegisterExtension
  final PgExtension pg = new PgExtension();

  @RegisterExtension
  final ClusterNodes cluster = new ClusterNodes(pg);

  private final OtlpReceiver receiver = new OtlpReceiver();

  @AfterEach
  void stopReceiver() {
    receiver.close();
  }

  @Test
  void aForwardedWriteIsOneTraceAcrossBothNodes(Vertx vertx) throws Exception {
    List<ChildServer> nodes = List.of(
        cluster.node("n1").env("SSOT_OTEL_ENDPOINT", receiver.endpoint()).start(),
        cluster.node("n2").env("SSOT_OTEL_ENDPOINT", receiver.endpoint()).start());
    for (ChildServer n : nodes) {
      n.awaitReady(vertx);
    }
    ChildServer leader = cluster.awaitOneLeader(nodes);
    ChildServer follower = nodes.get(0) == leader ? nodes.get(1) : nodes.get(0);
    cluster.awaitLeaderKnown(follower); // a follower learns the leader at a poll
    String trace = "0af7651916cd43dd8448eb211c80319c";
    String caller = "b7ad6b7169203331";
    try (Http http = new Http(vertx, follower.port)) {
      Http.Response put = http.put("/v1/kv/traced/forwarded", "{\"secret\":\"forwarded-value-42\"}",
          Map.of("traceparent", "00-" + trace + "-" + caller + "-01", "Content-Type", "application/json"));
      assertEquals(201, put.status(), put.toString());
    }
    OtlpReceiver.Span followerSpan = receiver.await(s -> s.traceId().equals(trace) && s.parentSpanId().equals(caller),
        "of the follower's PUT");
    // Forwarded before the router matched a route: named by its method alone, as OpenTelemetry names such spans.
    assertEquals("PUT", followerSpan.name());
    assertEquals(2L, followerSpan.attributes().get("ssot.key.depth"));
    assertEquals(201L, followerSpan.attributes().get("http.response.status_code"));
    OtlpReceiver.Span forward = receiver.await(s -> s.name().equals("forward write"), "of the forwarded write");
    assertEquals(trace, forward.traceId());
    assertEquals(followerSpan.spanId(), forward.parentSpanId());
    assertEquals(3, forward.kind(), "CLIENT");
    OtlpReceiver.Span leaderSpan = receiver.await(s -> s.parentSpanId().equals(forward.spanId()),
        "of the leader's PUT");
    assertEquals(trace, leaderSpan.traceId());
    assertEquals("PUT /v1/kv/{key}", leaderSpan.name());
    assertEquals(201L, leaderSpan.attributes().get("http.response.status_code"));
    assertFalse(receiver.received("forwarded-value-42"));
    assertFalse(receiver.received("traced/forwarded"));
  }
}
