package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar target/ssot.jar} with no JVM flag at all, on the JDK running the build and on
 * Java 25: it starts, serves (cleartext, and h2 over TLS through OpenSSL), stops on SIGTERM with
 * exit code 0, and prints no complaint about module access. This is what proves that the
 * manifest's Add-Opens, Add-Exports and Enable-Native-Access are all that Chronicle Map, Netty
 * and netty-tcnative need. Run by Failsafe in {@code mvn verify}, after the jar is built.
 */
@ExtendWith(VertxExtension.class)
class JarStartupIT {

  private static final Path JAVA_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

  /** What the JVM, Netty or Chronicle print when a module is not opened or native access is not enabled. */
  private static final List<String> COMPLAINTS = List.of(
      "InaccessibleObjectException",
      "IllegalAccessError",
      "Chronicle products may require command line arguments",
      "illegal reflective access", "Illegal reflective access",
      "Exception");

  @TempDir
  Path work;

  @Test
  void startsOnTheBuildJdk(Vertx vertx) throws Exception {
    Path javaHome = Path.of(System.getProperty("java.home"));
    startServeAndStop(vertx, javaHome, false);
    startServeAndStop(vertx, javaHome, true);
  }

  @Test
  void startsOnJava25(Vertx vertx) throws Exception {
    assumeTrue(Files.isDirectory(JAVA_25), "no Java 25 at " + JAVA_25 + ": the jar is not tried on it");
    startServeAndStop(vertx, JAVA_25, false);
    startServeAndStop(vertx, JAVA_25, true);
  }

  @Test
  void manifestOpensWhatTheTestJvmsOpen() throws Exception {
    // The pom writes the list twice: as manifest entries for java -jar, and as command-line
    // flags for the JVMs of the tests. They must not drift apart.
    Attributes manifest;
    try (JarFile jar = new JarFile(jar().toFile())) {
      manifest = jar.getManifest().getMainAttributes();
    }
    Set<String> fromManifest = new TreeSet<>();
    for (String entry : List.of("Add-Opens", "Add-Exports")) {
      for (String modulePackage : manifest.getValue(entry).trim().split(" +")) {
        fromManifest.add("--" + entry.toLowerCase(Locale.ROOT) + "=" + modulePackage + "=ALL-UNNAMED");
      }
    }
    String flags = System.getProperty("ssot.jvm.flags");
    assertNotNull(flags, "Failsafe passes the pom's jvm.flags as ssot.jvm.flags");
    Set<String> fromFlags = Stream.of(flags.trim().split(" +")).filter(f -> f.startsWith("--add-"))
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(fromFlags, fromManifest);
    assertEquals("ALL-UNNAMED", manifest.getValue("Enable-Native-Access"));
  }

  private void startServeAndStop(Vertx vertx, Path javaHome, boolean tls) throws Exception {
    String run = javaHome.getFileName() + (tls ? "-tls" : "-cleartext");
    Path dir = Files.createDirectories(work.resolve(run));
    Path data = dir.resolve("data");
    // A small store file, so that each start takes a second less; nothing else is set.
    Map<String, String> env = new HashMap<>(Map.of("SSOT_DATA_DIR", data.toString(), "SSOT_STORE_MAX_KEYS", "20000"));
    HttpClientOptions client = new HttpClientOptions();
    if (tls) {
      SelfSignedPem pem = SelfSignedPem.write(dir);
      env.put("SSOT_TLS_CERT", pem.cert().toString());
      env.put("SSOT_TLS_KEY", pem.key().toString());
      client.setSsl(true).setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2)
          .setTrustOptions(new PemTrustOptions().addCertPath(pem.cert().toString()));
    }
    List<String> command = List.of(javaHome.resolve("bin/java").toString(), "-jar", jar().toString());
    ChildServer child = ChildServer.start(command, dir, dir.resolve("out.log"), LoopbackPorts.free(), env);
    try {
      child.awaitReady(vertx, client);
      try (Http http = new Http(vertx, child.port, client)) {
        Http.Response put = http.put("/v1/kv/jar/check", "{\"java\":\"" + run + "\"}");
        assertEquals(201, put.status(), () -> put + "\n" + child.tail());
        Http.Response got = http.get("/v1/kv/jar/check?raw=true");
        assertEquals(200, got.status(), got::toString);
        assertEquals("{\"java\":\"" + run + "\"}", got.body().toString());
        assertEquals(tls ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1, got.version());
      }
      child.process.destroy(); // SIGTERM
      assertTrue(child.process.waitFor(20, TimeUnit.SECONDS), () -> run + " stopped on SIGTERM:\n" + child.tail());
      String output = child.output();
      System.out.println("---- " + run + "\n" + output);
      assertEquals(0, child.process.exitValue(), () -> run + " exit code:\n" + output);
      assertTrue(Files.exists(data.resolve("clean-shutdown")), () -> run + " closed the store cleanly:\n" + output);
      for (String complaint : COMPLAINTS) {
        assertFalse(output.contains(complaint), () -> run + " printed \"" + complaint + "\":\n" + output);
      }
      assertEquals(List.of(), jvmWarnings(output), () -> run + " printed JVM warnings:\n" + output);
      if (tls) {
        assertTrue(output.contains("TLS through OpenSSL"), () -> run + " serves TLS through OpenSSL:\n" + output);
      }
    } finally {
      child.kill();
    }
  }

  /**
   * The JVM's own warnings (a restricted method called without native access enabled, JEP 472,
   * say), except the one a manifest cannot silence: on Java 24 and later, the first use of the
   * sun.misc.Unsafe memory methods, which Chronicle is built on, prints a warning (JEP 498) that
   * only the command-line option --sun-misc-unsafe-memory-access=allow turns off.
   */
  private static List<String> jvmWarnings(String output) {
    return output.lines().filter(l -> l.startsWith("WARNING:"))
        .filter(l -> !l.contains("sun.misc.Unsafe") && !l.startsWith("WARNING: Please consider reporting this"))
        .toList();
  }

  /** The shaded jar: Failsafe names it; from an IDE, target/ssot.jar after {@code mvn package}. */
  private static Path jar() {
    Path jar = Path.of(System.getProperty("ssot.jar", "target/ssot.jar"));
    assertTrue(Files.isRegularFile(jar), jar.toAbsolutePath() + " is built (mvn package)");
    return jar;
  }
}
