package io.ssot.client;

import static org.junit.jupiter.api.Assertions.fail;

import io.ssot.testsupport.ChildJvm;
import io.ssot.testsupport.LoopbackPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real server (io.ssot.Main from the test class path) as a child JVM on a loopback port with
 * its own data directory, configured by SSOT_* variables alone, as the server's own tests run it.
 */
final class ServerProcess implements AutoCloseable {

  static final String TOKEN = "client-test-admin-token-0123456789";

  final Path dataDir;
  final int port;
  final Path log;
  private final Map<String, String> env;
  private Process process;

  private ServerProcess(Path dataDir, int port, Map<String, String> env) {
    this.dataDir = dataDir;
    this.port = port;
    this.env = env;
    this.log = dataDir.resolveSibling(dataDir.getFileName() + "-" + port + ".log");
  }

  /** Starts a server on {@code port} over {@code dataDir} and waits until it is ready. */
  static ServerProcess start(Path dataDir, int port, Map<String, String> env) throws IOException, InterruptedException {
    ServerProcess s = new ServerProcess(dataDir, port, env);
    s.launch();
    return s;
  }

  static ServerProcess start(Path dataDir) throws IOException, InterruptedException {
    return start(dataDir, LoopbackPorts.free(), Map.of());
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  SsotClient.Builder client() {
    return SsotClient.builder().endpoints(url()).token(TOKEN);
  }

  private void launch() throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    // The machine is shared with the test JVM: a small, quickly started server.
    List<String> command = ChildJvm.mainCommand("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dataDir.getParent().toFile())
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("SSOT_"));
    Map<String, String> all = new HashMap<>();
    all.put("SSOT_ADMIN_TOKEN", TOKEN);
    all.put("SSOT_DATA_DIR", dataDir.toString());
    all.put("SSOT_HTTP_EVENT_LOOPS", "1");
    all.put("SSOT_STORE_MAX_KEYS", "5000");
    all.put("SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB");
    all.put("SSOT_STORE_MIN_FREE_DISK_BYTES", "0B");
    all.putAll(env);
    all.put("SSOT_HTTP_PORT", Integer.toString(port));
    pb.environment().putAll(all);
    process = pb.start();
    awaitReady();
  }

  /** Asks /health/ready on a connection of its own that it closes, so that it holds none of the server's. */
  private void awaitReady() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        fail("the server exited with " + process.exitValue() + " before it was ready:\n" + tail());
      }
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
        s.setSoTimeout(2000);
        s.getOutputStream().write("GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII));
        String status = new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
        if (status.equals("HTTP/1.1 200")) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(50);
    }
    fail("the server was not ready within 60 s:\n" + tail());
  }

  /** SIGTERM: the server ends its watches with shutting-down, flushes and exits. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      kill9();
    }
  }

  /** SIGKILL: nothing flushed, no goodbye to the clients. */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(20, TimeUnit.SECONDS);
  }

  /** Starts it again over the same data directory, on the same port. */
  void restart() throws IOException, InterruptedException {
    launch();
  }

  /** A new server over the same data directory (this one stopped), on {@code newPort}. */
  ServerProcess moveTo(int newPort) throws IOException, InterruptedException {
    return start(dataDir, newPort, env);
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process != null && process.isAlive()) {
      kill9();
    }
  }
}
