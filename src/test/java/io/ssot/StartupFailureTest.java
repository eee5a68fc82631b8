package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ssot.testsupport.LoopbackPorts;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way start-up can fail, caused for real, against the server as a child process: it exits
 * with 2 for a configuration error and 1 otherwise, and says why in one line on stderr naming the
 * setting and its value, with no stack trace.
 */
class StartupFailureTest {

  @TempDir
  Path work;

  @Test
  void anInvalidValueNamesTheSettingAndTheValue() throws Exception {
    String line = failure(2, Map.of("SSOT_STORE_MAX_KEYS", "lots"));
    assertContains(line, "store.maxKeys", "SSOT_STORE_MAX_KEYS", "'lots'");
  }

  @Test
  void anUnknownSsotVariableIsRefusedLikeAnUnknownKeyInTheFile() throws Exception {
    String line = failure(2, Map.of("SSOT_STORE_MAX_KEY", "20000")); // one letter short of a setting
    assertContains(line, "unknown environment variable SSOT_STORE_MAX_KEY");
    Files.writeString(work.resolve("c.yaml"), "store:\n  maxKey: 20000\n");
    assertContains(failure(2, Map.of(), "--config", "c.yaml"), "unknown setting 'store.maxKey'");
  }

  @Test
  void aMissingConfigurationFileIsNamedWithWhereItCameFrom() throws Exception {
    Path missing = work.resolve("nowhere.yaml");
    assertContains(failure(2, Map.of(), "--config", missing.toString()), "--config", missing.toString(),
        "does not exist");
    assertContains(failure(2, Map.of("SSOT_CONFIG", missing.toString())), "SSOT_CONFIG", missing.toString(),
        "does not exist");
  }

  @Test
  void unreachablePostgresIsNamedWithoutItsPassword() throws Exception {
    int closed = LoopbackPorts.free();
    String line = failure(1, Map.of("SSOT_PG_URL", "postgresql://postgres:s3cret@127.0.0.1:" + closed + "/ssot"));
    assertContains(line, "pg.url postgresql://postgres@127.0.0.1:" + closed + "/ssot", "SSOT_PG_URL", "unreachable");
    assertFalse(line.contains("s3cret"), line);
  }

  @Test
  void aPostgresThatNeverAnswersIsNamedAfterTheLoginTimeout() throws Exception {
    try (TcpProxy proxy = new TcpProxy(PgTestDatabase.PORT)) {
      proxy.blackhole(); // connections are accepted, nothing comes back
      String line = failure(1, Map.of("SSOT_PG_URL", "postgresql://postgres@127.0.0.1:" + proxy.port() + "/ssot"));
      assertContains(line, "pg.url postgresql://postgres@127.0.0.1:" + proxy.port() + "/ssot", "unreachable");
    }
  }

  @Test
  void aMissingDatabaseIsNamed() throws Exception {
    String url = "postgresql://postgres@" + PgTestDatabase.HOST + ":" + PgTestDatabase.PORT + "/ssot_no_such_db";
    String line = failure(1, Map.of("SSOT_PG_URL", url));
    assertContains(line, "pg.url " + url, "\"ssot_no_such_db\" does not exist");
  }

  @Test
  void aRedisUrlThatDoesNotParseIsNamedWithoutRepeatingIt() throws Exception {
    // Refused before PostgreSQL or Redis is reached; the URL is not repeated, it may hold a password.
    String line = failure(2, Map.of("SSOT_CLUSTER_ENABLED", "true", "SSOT_PG_URL", "postgresql://postgres@127.0.0.1:"
        + LoopbackPorts.free() + "/ssot", "SSOT_REDIS_URL", "http://s3cret@127.0.0.1:6379"));
    assertContains(line, "SSOT_REDIS_URL", "redis://[user:password@]host");
    assertFalse(line.contains("s3cret"), line);
  }

  @Test
  void anAddressInUseIsNamedWithHostAndPort() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      String line = failure(1, Map.of("SSOT_HTTP_PORT", Integer.toString(taken.getLocalPort())));
      assertContains(line, "127.0.0.1:" + taken.getLocalPort(), "SSOT_HTTP_PORT", "Address already in use");
    }
  }

  @Test
  void aDataDirectoryLockedByAnotherProcessIsNamed() throws Exception {
    Path data = Files.createDirectories(work.resolve("data"));
    // This JVM is the other process: it holds the lock a running server would.
    try (FileChannel channel = FileChannel.open(data.resolve("LOCK"), StandardOpenOption.CREATE,
        StandardOpenOption.WRITE); FileLock held = channel.lock()) {
      String line = failure(1, Map.of("SSOT_DATA_DIR", data.toString()));
      assertContains(line, "data.dir " + data, "SSOT_DATA_DIR", "in use by another process");
    }
  }

  @Test
  void aDataDirectoryThatCannotBeWrittenIsNamed() throws Exception {
    Path file = Files.writeString(work.resolve("a-file"), "not a directory");
    assertContains(failure(1, Map.of("SSOT_DATA_DIR", file.toString())), "data.dir " + file, "not a directory");
    Path readOnly = Files.createDirectories(work.resolve("read-only"));
    boolean immutable = makeReadOnly(readOnly);
    try {
      assertContains(failure(1, Map.of("SSOT_DATA_DIR", readOnly.toString())), "data.dir " + readOnly,
          "SSOT_DATA_DIR", immutable ? "Operation not permitted" : "permission denied");
    } finally {
      if (immutable) {
        run("chattr", "-i", readOnly.toString());
      } else {
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
      }
    }
  }

  /**
   * Root ignores permission bits, so as root the directory is made immutable ({@code chattr +i});
   * returns whether it was. Otherwise it loses its write permission.
   */
  private static boolean makeReadOnly(Path dir) throws IOException, InterruptedException {
    if (!"root".equals(System.getProperty("user.name"))) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
      return false;
    }
    assumeTrue(run("chattr", "+i", dir.toString()) == 0, "chattr +i is not available here: running as root, "
        + "a read-only data directory cannot be made");
    return true;
  }

  private static int run(String... command) throws IOException, InterruptedException {
    return new ProcessBuilder(command).inheritIO().start().waitFor();
  }

  /**
   * Starts the server with {@code env} (on a free port, its data in the work directory, unless
   * {@code env} says otherwise) and returns its one line on stderr, checking the exit code.
   */
  private String failure(int exitCode, Map<String, String> env, String... args) throws Exception {
    Map<String, String> all = new HashMap<>(Map.of(
        "SSOT_HTTP_PORT", Integer.toString(LoopbackPorts.free()),
        "SSOT_DATA_DIR", work.resolve("data").toString(),
        "SSOT_STORE_MAX_KEYS", "20000",
        "SSOT_ADMIN_TOKEN", TestServer.ADMIN_TOKEN));
    all.putAll(env);
    List<String> command = new ArrayList<>(ChildServer.mainOnTestClasspath());
    command.addAll(List.of(args));
    ChildServer.Exit exit = ChildServer.runToExit(command, work, all);
    assertEquals(exitCode, exit.code(), exit::toString);
    // The JVM's own warnings (JEP 498 on Java 24+, say) are not the server's.
    List<String> lines = exit.stderr().lines().filter(l -> !l.startsWith("WARNING:")).toList();
    assertEquals(1, lines.size(), () -> "one line on stderr:\n" + exit.stderr());
    assertTrue(lines.get(0).startsWith("Cannot start: "), lines.get(0));
    assertFalse(exit.stdout().contains("\tat ") || exit.stderr().contains("\tat "), () -> "a stack trace:\n" + exit);
    return lines.get(0);
  }

  private static void assertContains(String line, String... parts) {
    for (String part : parts) {
      assertTrue(line.contains(part), () -> "\"" + part + "\" in: " + line);
    }
  }
}
