package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console in a real browser: starts {@code target/ssot.jar}, then runs
 * {@code node ui-test/console.test.mjs} against it, which drives Debian's headless chromium with
 * playwright-core (log in, browse, edit and see the edit in the live feed, diff, rollback, a
 * refused concurrent edit, tokens, schemas, logout, a read-only token) and saves a screenshot of
 * each page in {@code target/ui-screenshots/}. It fails, never skips, when node, the npm packages
 * ({@code npm ci} in {@code ui-test/}, which {@code .ci/run} does) or chromium are missing.
 */
@ExtendWith(VertxExtension.class)
class ConsoleBrowserIT {

  private static final Path SCREENSHOTS = Path.of("target/ui-screenshots");
  private static final List<String> PAGES = List.of("01-login", "02-overview", "03-keys", "04-live-feed",
      "05-history-diff", "06-rollback-confirm", "07-concurrent-edit-refused", "08-tokens", "09-schemas",
      "10-read-only");
  /** A token (ssot_<id>_…) or a session cookie in the server's output would be a leak. */
  private static final Pattern SECRET = Pattern.compile("ssot_[0-9a-f]{16}_|ssot_session=");

  @TempDir
  Path work;

  @Test
  void theConsoleWorksInChromium(Vertx vertx) throws Exception {
    Path jar = Path.of(System.getProperty("ssot.jar", "target/ssot.jar"));
    assertTrue(Files.isRegularFile(jar), jar.toAbsolutePath() + " is built (mvn package)");
    Map<String, String> env = Map.of("SSOT_DATA_DIR", work.resolve("data").toString(), "SSOT_STORE_MAX_KEYS", "20000");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ChildServer server = ChildServer.start(List.of(java, "-jar", jar.toString()), work, work.resolve("server.log"),
        LoopbackPorts.free(), env);
    try {
      server.awaitReady(vertx);
      for (String page : PAGES) {
        Files.deleteIfExists(SCREENSHOTS.resolve(page + ".png"));
      }
      Path output = work.resolve("browser.log");
      Process browser = new ProcessBuilder("node", "ui-test/console.test.mjs",
          "--url", "http://127.0.0.1:" + server.port, "--admin-token", TestServer.ADMIN_TOKEN,
          "--screenshots", SCREENSHOTS.toString())
          .redirectErrorStream(true).redirectOutput(output.toFile()).start();
      boolean ended = browser.waitFor(240, TimeUnit.SECONDS);
      if (!ended) {
        browser.destroyForcibly();
      }
      String log = Files.readString(output);
      System.out.println("---- ui-test/console.test.mjs\n" + log);
      assertTrue(ended, () -> "the browser test ended within 240 s:\n" + log);
      assertEquals(0, browser.exitValue(), () -> "the browser test failed (if node_modules is missing: "
          + "cd ui-test && npm ci; if chromium is missing: apt-get install chromium):\n" + log);
      assertTrue(log.strip().endsWith("ALL PASSED"), log);
      assertTrue(log.contains("LOAD overview rendered ms:"), log);
      for (String page : PAGES) {
        Path png = SCREENSHOTS.resolve(page + ".png");
        assertTrue(Files.size(png) > 10_000, () -> png + " was saved");
      }
      String serverLog = server.output();
      assertFalse(SECRET.matcher(serverLog).find(), () -> "no token or session cookie in the server's output:\n"
          + serverLog);
      assertFalse(serverLog.contains(TestServer.ADMIN_TOKEN), "the admin token is not logged");
    } finally {
      server.kill();
    }
  }
}
