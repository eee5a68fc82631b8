package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.ssot.testsupport.LoopbackPorts;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code durability=sync} reaches the disk: the child server runs under {@code strace}, and
 * between sending a sync write and receiving its answer the server must have called
 * {@code msync} on a mapping of a change-log segment (or {@code fsync}/{@code fdatasync} on
 * a segment's file). Reading the log back would not tell: the page cache answers either way.
 * A {@code durability=local} write, for contrast, is answered without one.
 */
@ExtendWith(VertxExtension.class)
class SyncReachesDiskTest {

  private static final Pattern MMAP = Pattern.compile(
      "mmap\\((?:NULL|0x[0-9a-f]+), (\\d+), [^,]+, MAP_SHARED[^,]*, \\d+<([^>]+)>, [^)]+\\) = (0x[0-9a-f]+)");
  private static final Pattern MSYNC = Pattern.compile("^\\d+\\s+(\\d+\\.\\d+) msync\\((0x[0-9a-f]+), (\\d+)");
  private static final Pattern FSYNC = Pattern.compile("^\\d+\\s+(\\d+\\.\\d+) f(?:data)?sync\\(\\d+<([^>]+)>");

  @TempDir
  Path work;

  record Mapping(long start, long length) {
    boolean contains(long address) {
      return address >= start && address < start + length;
    }
  }

  @Test
  void syncWriteIsForcedBeforeItsAnswer(Vertx vertx) throws Exception {
    assumeTrue(canRun("strace", "-V"), "strace is not installed (apt-get install strace)");
    Path trace = work.resolve("strace.txt");
    List<String> command = new ArrayList<>(List.of("strace", "-f", "-ttt", "-y", "-e",
        "trace=mmap,msync,fsync,fdatasync", "-o", trace.toString()));
    command.addAll(ChildServer.mainOnTestClasspath());
    ChildServer child = ChildServer.start(command, work, work.resolve("child.log"), LoopbackPorts.free(), Map.of(
        "SSOT_DATA_DIR", work.resolve("data").toString(),
        "SSOT_STORE_MAX_KEYS", "2000",
        "SSOT_CHANGELOG_SEGMENT_BYTES", "1MiB"));
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try {
      child.awaitReady(vertx);
      put(http, child.port, "/v1/kv/warm/up?durability=sync"); // the first sync write starts group commit

      double[] local = put(http, child.port, "/v1/kv/sync/k?durability=local");
      double[] sync = put(http, child.port, "/v1/kv/sync/k?durability=sync");

      String found = awaitForce(trace, sync[0], sync[1]);
      assertTrue(found != null, "no msync/fsync of the change log between the sync write's request and its answer");
      System.out.println("SyncReachesDiskTest: " + found);
      assertEquals(null, force(Files.readAllLines(trace), local[0], local[1]),
          "a durability=local write is answered without forcing the change log");
    } finally {
      // SIGTERM to the server itself: strace, told to stop, would detach and leave it running.
      child.process.descendants().forEach(ProcessHandle::destroy);
      child.process.waitFor(30, TimeUnit.SECONDS);
      child.kill();
    }
  }

  /** Sends a PUT; returns the epoch seconds just before sending and just after the answer. */
  private static double[] put(HttpClient http, int port, String uri) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + uri))
        .timeout(Duration.ofSeconds(30))
        .header("Authorization", Http.ADMIN_AUTHORIZATION)
        .header("Content-Type", "application/json")
        .PUT(BodyPublishers.ofString("{\"at\":\"" + Instant.now() + "\"}"))
        .build();
    double sent = seconds(Instant.now());
    HttpResponse<String> response = http.send(request, BodyHandlers.ofString());
    double answered = seconds(Instant.now());
    assertTrue(response.statusCode() == 200 || response.statusCode() == 201, uri + ": " + response.body());
    return new double[] {sent, answered};
  }

  private static double seconds(Instant t) {
    return t.getEpochSecond() + t.getNano() / 1e9;
  }

  /** strace writes its output as it goes, but not necessarily at once: wait a little for the line. */
  private static String awaitForce(Path trace, double from, double to) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      String found = force(Files.readAllLines(trace), from, to);
      if (found != null || System.nanoTime() > deadline) {
        return found;
      }
      Thread.sleep(200);
    }
  }

  /** The first msync of a change-log mapping, or fsync of a segment, that started within [from, to]. */
  static String force(List<String> lines, double from, double to) {
    List<Mapping> segments = new ArrayList<>();
    for (String line : lines) {
      Matcher mmap = MMAP.matcher(line);
      if (mmap.find() && isSegment(mmap.group(2))) {
        segments.add(new Mapping(Long.parseUnsignedLong(mmap.group(3).substring(2), 16),
            Long.parseLong(mmap.group(1))));
      }
    }
    for (String line : lines) {
      Matcher msync = MSYNC.matcher(line);
      if (msync.find() && within(msync.group(1), from, to)) {
        long address = Long.parseUnsignedLong(msync.group(2).substring(2), 16);
        if (segments.stream().anyMatch(m -> m.contains(address))) {
          return line;
        }
      }
      Matcher fsync = FSYNC.matcher(line);
      if (fsync.find() && within(fsync.group(1), from, to) && isSegment(fsync.group(2))) {
        return line;
      }
    }
    return null;
  }

  private static boolean isSegment(String path) {
    return path.contains("/changelog/") && path.endsWith(".log");
  }

  private static boolean within(String seconds, double from, double to) {
    double t = Double.parseDouble(seconds);
    return t >= from && t <= to;
  }

  private static boolean canRun(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (Exception e) {
      return false;
    }
  }
}
