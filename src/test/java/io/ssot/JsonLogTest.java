package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code log.format}: {@code json} makes every line of the server log one JSON object, with the
 * request id of a line written while serving a request in {@code mdc.requestId}; {@code text}
 * (the default) shows it in brackets after the logger. In child processes: logging is per JVM.
 */
@ExtendWith(VertxExtension.class)
class JsonLogTest {

  @Test
  void jsonLinesCarryTheRequestId(Vertx vertx, @TempDir Path dir) throws Exception {
    List<String> lines = serveOneProblem(vertx, dir, "json", "json-line-id");
    JsonObject problemLine = null;
    for (String line : lines) {
      if (line.isBlank() || line.startsWith("WARNING: ") || line.startsWith("Picked up")) {
        continue; // the JVM's own lines, not the log's
      }
      JsonObject json = new JsonObject(line); // every log line is JSON
      assertTrue(json.containsKey("event") // an audit line
          || json.containsKey("level") && json.containsKey("formattedMessage"), line);
      if (String.valueOf(json.getString("formattedMessage")).contains("no key logs/absent ")) {
        problemLine = json;
      }
    }
    assertTrue(problemLine != null, "the request's debug line: " + lines);
    assertEquals("json-line-id", problemLine.getJsonObject("mdc").getString("requestId"));
    assertEquals("DEBUG", problemLine.getString("level"));
    assertEquals("io.ssot.http.Problems", problemLine.getString("loggerName"));
  }

  @Test
  void textLinesShowTheRequestIdInBrackets(Vertx vertx, @TempDir Path dir) throws Exception {
    List<String> lines = serveOneProblem(vertx, dir, "text", "text-line-id");
    assertTrue(lines.stream().anyMatch(l -> l.contains("Problems [text-line-id] - Answered 404 key-not-found: no key "
        + "logs/absent ")), String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(l -> l.contains("io.ssot.SsotServer - Serving on")),
        "no empty brackets outside a request");
  }

  /** Starts a child with {@code format} at level DEBUG, asks it for an absent key, stops it; its output. */
  private static List<String> serveOneProblem(Vertx vertx, Path dir, String format, String requestId)
      throws Exception {
    ChildServer child = ChildServer.start(ChildServer.mainOnTestClasspath(), dir, dir.resolve("out.log"),
        LoopbackPorts.free(), Map.of("SSOT_DATA_DIR", dir.resolve("data").toString(), "SSOT_STORE_MAX_KEYS",
            "20000", "SSOT_LOG_FORMAT", format, "SSOT_LOG_LEVEL", "DEBUG"));
    try {
      child.awaitReady(vertx);
      try (Http http = new Http(vertx, child.port)) {
        assertEquals(404, http.get("/v1/kv/logs/absent", Map.of("X-Request-Id", requestId)).status());
      }
      child.process.destroy();
      child.process.waitFor();
      return child.output().lines().toList();
    } finally {
      child.kill();
    }
  }
}
