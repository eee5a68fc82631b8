package io.ssot;

import io.ssot.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real server on a free loopback port with its own temporary data directory, which {@link
 * #close()} deletes (a data.dir given in the settings is the caller's to delete).
 */
public final class TestServer implements AutoCloseable {

  /** The bootstrap admin token of every test server (and child server); {@link Http} sends it by default. */
  public static final String ADMIN_TOKEN = "test-admin-token-for-the-suite";

  static {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  public final Path dataDir;
  private final boolean ownsDataDir;
  private final Map<String, String> settings;
  private SsotServer server;

  private TestServer(Path dataDir, boolean ownsDataDir, Map<String, String> settings) {
    this.dataDir = dataDir;
    this.ownsDataDir = ownsDataDir;
    this.settings = settings;
  }

  /** Starts with small store sizing and the given settings (by dotted name) on top. */
  public static TestServer start(Map<String, String> overrides) throws IOException {
    boolean ownsDataDir = !overrides.containsKey("data.dir");
    Path dir = ownsDataDir ? Files.createTempDirectory("ssot-test") : Path.of(overrides.get("data.dir"));
    Map<String, String> settings = new HashMap<>();
    settings.put("http.port", "0");
    settings.put("http.eventLoops", "2");
    settings.put("data.dir", dir.toString());
    settings.put("store.maxKeys", "20000");
    settings.put("changelog.segmentBytes", "4MiB");
    settings.put("admin.token", ADMIN_TOKEN);
    settings.putAll(overrides);
    TestServer t = new TestServer(dir, ownsDataDir, settings);
    try {
      t.restart();
    } catch (IOException | RuntimeException e) {
      t.close();
      throw e;
    }
    return t;
  }

  public static TestServer start() throws IOException {
    return start(Map.of());
  }

  /** (Re)starts the server on the same data directory. */
  public void restart() throws IOException {
    if (server != null) {
      server.stop();
    }
    server = SsotServer.start(Config.defaults().with(settings));
  }

  public SsotServer server() {
    return server;
  }

  public int port() {
    return server.port();
  }

  public void stop() {
    if (server != null) {
      server.stop();
      server = null;
    }
  }

  /** Stops the server and deletes the data directory it made. */
  @Override
  public void close() {
    stop();
    if (ownsDataDir) {
      TempFiles.delete(dataDir);
    }
  }
}
