package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * {@code X-Request-Id}: the client's when it is safe, else a new one; on every answer (a fast-path
 * 200 echoes only the client's own), in problem bodies, in the audit log and in the MDC of every
 * log line a request writes, also after it waited.
 */
class RequestIdTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().setting("auth.maxFailuresPerMinute", "0").build();

  private static final String GENERATED = "[0-9a-z]+-[0-9a-z]+";

  /** What the loggers wrote, with the request id in the MDC when each line was made. */
  private final List<String[]> lines = Collections.synchronizedList(new ArrayList<>());
  private final AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
    @Override
    protected void append(ILoggingEvent event) {
      lines.add(new String[] {event.getLoggerName(), event.getFormattedMessage(),
          event.getMDCPropertyMap().get("requestId")});
    }
  };
  private final Logger problems = (Logger) LoggerFactory.getLogger("io.ssot.http.Problems");
  private final Logger audit = (Logger) LoggerFactory.getLogger("ssot.audit");

  @BeforeEach
  void captureLogs() {
    capture.start();
    problems.setLevel(Level.DEBUG);
    problems.addAppender(capture);
    audit.addAppender(capture);
  }

  @AfterEach
  void stopCapturing() {
    problems.detachAppender(capture);
    audit.detachAppender(capture);
    problems.setLevel(null);
  }

  @Test
  void aSafeIdIsEchoedOnTheAnswerAndInItsProblem() {
    try (Http h1 = new Http(server.vertx(), server.port()); Http h2 = Http.h2c(server.vertx(), server.port())) {
      assertEquals(201, h1.put("/v1/kv/ids/present", "1").status());
      for (Http http : List.of(h1, h2)) {
        String id = "client-" + http.hashCode() + ":a.b_c+/=@Z9";
        Http.Response fast = http.get("/v1/kv/ids/present", Map.of("X-Request-Id", id));
        assertEquals(200, fast.status());
        assertEquals(id, fast.header("X-Request-Id"), "the fast path echoes it");
        Http.Response absent = http.get("/v1/kv/ids/absent", Map.of("X-Request-Id", id));
        assertEquals(404, absent.status());
        assertEquals(id, absent.header("X-Request-Id"));
        assertEquals(id, absent.json().getString("requestId"));
      }
      assertEquals(null, h1.get("/v1/kv/ids/present").header("X-Request-Id"),
          "the fast path's 200 makes no id of its own");
      String longest = "x".repeat(128);
      assertEquals(longest, h1.get("/v1/kv/ids/present", Map.of("X-Request-Id", longest)).header("X-Request-Id"));
    }
  }

  @Test
  void anUnsafeOrLongIdIsReplacedNotEchoed() {
    Http http = server.http();
    for (String bad : List.of("has space", "x".repeat(129), "quote\"d", "new\\nline", "\u00e9t\u00e9", "a;b", "<tag>")) {
      Http.Response answer = http.get("/v1/kv/ids/absent", Map.of("X-Request-Id", bad));
      String id = answer.header("X-Request-Id");
      assertNotEquals(bad, id);
      assertTrue(id.matches(GENERATED), id);
      assertEquals(id, answer.json().getString("requestId"));
    }
  }

  @Test
  void everyAnswerHasItsOwnId() {
    Http http = server.http();
    Set<String> ids = new HashSet<>();
    List<String> uris = List.of("/v1/kv/ids/absent", "/health/live", "/metrics", "/v1/nowhere", "/v1/kv?prefix=ids/");
    for (int i = 0; i < 100; i++) {
      String id = http.get(uris.get(i % uris.size())).header("X-Request-Id");
      assertTrue(id != null && id.matches(GENERATED), String.valueOf(id));
      ids.add(id);
    }
    Http.Response unauthorized = http.anonymous().get("/v1/kv/ids/absent");
    assertEquals(401, unauthorized.status());
    ids.add(unauthorized.header("X-Request-Id"));
    assertEquals(101, ids.size(), "no id twice");
  }

  @Test
  void auditLinesNameTheirRequest() {
    Http.Response denied = server.http().anonymous().get("/v1/kv/ids/absent", Map.of("X-Request-Id", "audited-1"));
    assertEquals(401, denied.status());
    JsonObject line = lines.stream().filter(l -> l[0].equals("ssot.audit")).map(l -> new JsonObject(l[1]))
        .filter(l -> "audited-1".equals(l.getString("requestId"))).findFirst().orElseThrow(() ->
            new AssertionError("no audit line with the request id: " + lines.stream().map(l -> l[1]).toList()));
    assertEquals("auth-failed", line.getString("event"));
  }

  @Test
  void concurrentRequestsLogUnderTheirOwnIds() throws Exception {
    try (Http h2 = Http.h2c(server.vertx(), server.port())) {
      List<CompletableFuture<Http.Response>> answers = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String uri = "/v1/kv/ids/concurrent-" + i;
        Map<String, String> id = Map.of("X-Request-Id", "concurrent-" + i);
        answers.add(CompletableFuture.supplyAsync(() -> h2.get(uri, id)));
      }
      for (CompletableFuture<Http.Response> answer : answers) {
        assertEquals(404, answer.get(30, TimeUnit.SECONDS).status());
      }
    }
    for (int i = 0; i < 40; i++) {
      assertEquals("concurrent-" + i, requestIdOfLine("no key ids/concurrent-" + i + " "));
    }
  }

  @Test
  void aLineWrittenAfterAWaitHasTheWaitingRequestsIdNotTheOneThatEndedTheWait() throws Exception {
    Http http = server.http();
    long next = http.put("/v1/kv/ids/bump", "1").json().getLong("revision") + 1;
    CompletableFuture<Http.Response> waiting = CompletableFuture.supplyAsync(() ->
        http.get("/v1/kv/ids/waited-for?minRevision=" + next, Map.of("X-Request-Id", "the-waiting-get")));
    Thread.sleep(300); // the GET waits for the revision
    assertEquals(200, http.put("/v1/kv/ids/bump", "2", Map.of("X-Request-Id", "the-put",
        "Content-Type", "application/json")).status());
    Http.Response answer = waiting.get(30, TimeUnit.SECONDS);
    assertEquals(404, answer.status(), answer::toString);
    assertEquals("the-waiting-get", answer.json().getString("requestId"));
    assertEquals("the-waiting-get", requestIdOfLine("no key ids/waited-for "));
  }

  private String requestIdOfLine(String fragment) {
    synchronized (lines) {
      return lines.stream().filter(l -> l[1].contains(fragment)).map(l -> l[2]).findFirst()
          .orElseThrow(() -> new AssertionError("no line with " + fragment));
    }
  }
}
