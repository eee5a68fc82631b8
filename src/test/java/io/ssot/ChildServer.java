package io.ssot;

import static org.junit.jupiter.api.Assertions.fail;

import io.ssot.testsupport.ChildJvm;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server as a child process on a loopback port, configured by its environment alone (its
 * working directory has no conf/ssot.yaml), with stdout and stderr in a log file. Its admin
 * token is {@link TestServer#ADMIN_TOKEN} unless {@code env} names another.
 */
final class ChildServer {

  final Process process;
  final int port;
  final Path log;

  private ChildServer(Process process, int port, Path log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** {@code java <the project's JVM flags> -cp <test classpath> io.ssot.Main}, on a small, quickly started JVM. */
  static List<String> mainOnTestClasspath() {
    // The machine is shared with the test JVM.
    return ChildJvm.mainCommand("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  }

  /** Runs {@code command} in {@code workDir} with SSOT_HTTP_PORT = {@code port} and {@code env} as its only SSOT_ settings. */
  static ChildServer start(List<String> command, Path workDir, Path log, int port, Map<String, String> env)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(workDir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SSOT_"));
    pb.environment().put("SSOT_ADMIN_TOKEN", TestServer.ADMIN_TOKEN);
    pb.environment().putAll(env);
    pb.environment().put("SSOT_HTTP_PORT", Integer.toString(port));
    return new ChildServer(pb.start(), port, log);
  }

  /** What a child that ran to its end left: exit code, stdout and stderr. */
  record Exit(int code, String stdout, String stderr) {
  }

  /**
   * Runs {@code command} in {@code workDir} with {@code env} as its only SSOT_ settings until it
   * exits (at most 60 s), for a start-up that is expected to fail.
   */
  static Exit runToExit(List<String> command, Path workDir, Map<String, String> env)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile(workDir, "stdout", ".log");
    Path err = Files.createTempFile(workDir, "stderr", ".log");
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SSOT_"));
    pb.environment().putAll(env);
    Process process = pb.start();
    try {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        fail("the child still runs after 60 s:\n" + Files.readString(out) + Files.readString(err));
      }
      return new Exit(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      process.destroyForcibly();
      Files.delete(out);
      Files.delete(err);
    }
  }

  /** Waits until {@code /health/ready} answers 200; fails with the log's tail if the child exits or takes 60 s. */
  void awaitReady(Vertx vertx) throws InterruptedException {
    awaitReady(vertx, new HttpClientOptions());
  }

  /** As {@link #awaitReady(Vertx)}, asking with a client of these options (TLS, say). */
  void awaitReady(Vertx vertx, HttpClientOptions options) throws InterruptedException {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions(options).setDefaultHost("127.0.0.1")
        .setDefaultPort(port).setConnectTimeout(1000));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        if (!process.isAlive()) {
          fail("the child exited with " + process.exitValue() + " before it was ready:\n" + tail());
        }
        try {
          int status = client.request(HttpMethod.GET, "/health/ready")
              .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
              .await();
          if (status == 200) {
            return;
          }
        } catch (Exception notYet) { // await() rethrows a refused connection as is (checked)
          // not listening yet
        }
        Thread.sleep(100);
      }
      fail("the child was not ready within 60 s:\n" + tail());
    } finally {
      client.close().await();
    }
  }

  /** Everything the child printed. */
  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The last 40 lines the child printed. */
  String tail() {
    List<String> lines = output().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** The child's used heap right after a full collection, as the JVM reports it (jcmd GC.run, GC.heap_info). */
  long heapAfterGc() throws IOException, InterruptedException {
    jcmd("GC.run");
    java.util.regex.Matcher m = GENERATION_USED.matcher(jcmd("GC.heap_info"));
    long usedKiB = 0;
    while (m.find()) {
      usedKiB += Long.parseLong(m.group(1));
    }
    if (usedKiB == 0) {
      fail("no heap figures from jcmd");
    }
    return usedKiB << 10;
  }

  private static final java.util.regex.Pattern GENERATION_USED =
      java.util.regex.Pattern.compile("generation\\s+total \\d+K, used (\\d+)K");

  private String jcmd(String command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("jcmd", Long.toString(process.pid()), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      fail("jcmd " + command + ": " + out);
    }
    return out;
  }

  /**
   * Kills the child if it still runs (cleanup after a failed test), and whatever it started: a
   * server run under a wrapper such as strace outlives the wrapper's death.
   */
  void kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }
}
