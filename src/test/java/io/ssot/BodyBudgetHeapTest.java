package io.ssot;

import static io.ssot.LimitsTest.assertProblem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many connections each sending most of a large txn body and then stalling could exhaust the
 * heap (each body was buffered, at its declared length, with no cap across connections). With
 * the default {@code limits.maxBodyBytesInFlight} (an eighth of the max heap) a server on a
 * 256 MiB heap stays healthy: bodies beyond the budget get 503, the heap after a full GC stays
 * small, and the budget comes back once the stalled clients go.
 */
@Timeout(300)
class BodyBudgetHeapTest {

  private static final int STALLED = 200;
  private static final long TXN_BODY = (8L << 20) - 100; // just under limits.maxTxnBytes
  private static final int SENT = 1 << 20; // of which each client sends this much, then stalls

  @TempDir
  Path work;

  @Test
  void stalledLargeBodiesDoNotExhaustTheHeap() throws Exception {
    Path data = Files.createDirectory(work.resolve("data"));
    ChildServer child = ChildServer.start(ChildServer.mainOnTestClasspath(), work, work.resolve("server.log"),
        LoopbackPorts.free(), Map.of("SSOT_DATA_DIR", data.toString(), "SSOT_HTTP_EVENT_LOOPS", "2",
            "SSOT_STORE_MAX_KEYS", "20000", "SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB",
            "SSOT_LIMITS_BODY_TIMEOUT", "5m")); // the stalled bodies hold their budget until they go
    Vertx vertx = Vertx.vertx();
    List<RawHttp> stalled = new ArrayList<>();
    try (Http http = new Http(vertx, child.port)) {
      child.awaitReady(vertx);
      byte[] part = ("{\"success\":[{\"op\":\"put\",\"key\":\"k\",\"value\":\"" + "x".repeat(SENT)).substring(0, SENT)
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      int refused = 0;
      for (int i = 0; i < STALLED; i++) {
        RawHttp c = new RawHttp(child.port, 30_000);
        stalled.add(c);
        try {
          c.write("POST /v1/txn HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
              + "\r\nContent-Type: application/json\r\nContent-Length: " + TXN_BODY + "\r\n\r\n").write(part);
        } catch (IOException e) {
          throw new AssertionError("connection " + i + " broke: " + e + "\n" + child.tail(), e);
        }
      }
      for (RawHttp c : stalled.subList(STALLED - 10, STALLED)) {
        assertProblem(c.readFinal(), 503, "body-budget-exhausted"); // the last ones found the budget spent
        refused++;
      }
      assertEquals(10, refused);
      assertTrue(child.process.isAlive(), child.tail());
      assertEquals(200, http.get("/health/live").status(), "the server answers while the bodies stall");
      long heapAfterGc = heapUsedAfterFullGc(child);
      assertTrue(heapAfterGc < 128L << 20, "heap after a full GC with " + STALLED + " stalled bodies: "
          + (heapAfterGc >> 20) + " MiB\n" + child.tail());
      System.out.println("Heap after a full GC with " + STALLED + " stalled bodies: " + (heapAfterGc >> 20) + " MiB");
      try (RawHttp another = new RawHttp(child.port, 30_000)) { // one more large body: refused before it is sent
        another.write("POST /v1/txn HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TestServer.ADMIN_TOKEN
            + "\r\nContent-Type: application/json\r\nContent-Length: " + TXN_BODY + "\r\n\r\n");
        Http.Response busy = another.readFinal();
        assertProblem(busy, 503, "body-budget-exhausted");
        assertEquals("1", busy.header("Retry-After"));
      }

      stalled.forEach(RawHttp::close);
      stalled.clear();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (RequestBodyLimitsTest.inFlight(http) != 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(0, RequestBodyLimitsTest.inFlight(http), "the budget is given back when the stalled clients go");
      assertEquals(201, http.put("/v1/kv/fresh", "{\"v\":\"" + "y".repeat(64 << 10) + "\"}").status());
      assertTrue(child.output().lines().noneMatch(l -> l.contains("OutOfMemoryError")), child.tail());
    } finally {
      stalled.forEach(RawHttp::close);
      child.kill();
      vertx.close().await();
    }
  }

  /** {@code jcmd GC.run}, then the used heap from {@code GC.heap_info}, in bytes. */
  static long heapUsedAfterFullGc(ChildServer child) throws IOException, InterruptedException {
    jcmd(child, "GC.run");
    String info = jcmd(child, "GC.heap_info");
    // Serial GC: "def new generation total 78656K, used 1234K [...]" and "tenured generation ...".
    Matcher m = Pattern.compile("generation\\s+total \\d+K, used (\\d+)K").matcher(info);
    long usedKiB = 0;
    int found = 0;
    while (m.find()) {
      usedKiB += Long.parseLong(m.group(1));
      found++;
    }
    assertTrue(found > 0, "no heap figures in:\n" + info);
    return usedKiB << 10;
  }

  private static String jcmd(ChildServer child, String command) throws IOException, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    Process p = new ProcessBuilder(jcmd.toString(), Long.toString(child.process.pid()), command)
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "jcmd " + command + ": " + out);
    return out;
  }
}
