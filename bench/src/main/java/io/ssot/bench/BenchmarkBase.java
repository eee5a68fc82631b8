package io.ssot.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The settings every benchmark shares: average time per operation in nanoseconds, three 1 s
 * warm-up and five 1 s measured iterations in one fork. The forked JVM gets the same opens and
 * exports the server runs with (Chronicle Map needs them) and no Chronicle analytics. Override
 * any of these on the command line ({@code -f -wi -i -w -r}), as the smoke run does.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = BenchmarkBase.WARMUP_ITERATIONS, time = 1)
@Measurement(iterations = BenchmarkBase.MEASUREMENT_ITERATIONS, time = 1)
@Fork(value = 1, jvmArgsAppend = {
    "-Xms1g", "-Xmx1g",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED",
    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
    "--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true",
    "-Dchronicle.announcer.disable=true"})
public abstract class BenchmarkBase {

  protected static final int WARMUP_ITERATIONS = 3;
  protected static final int MEASUREMENT_ITERATIONS = 5;

  /** A JSON string value of exactly {@code bytes} bytes (at least 2), quotes included. */
  public static byte[] jsonValue(int bytes) {
    StringBuilder value = new StringBuilder(bytes).append('"');
    while (value.length() < bytes - 1) {
      value.append('x');
    }
    return value.append('"').toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** Deletes a temporary directory tree, best effort. */
  public static void deleteTree(java.nio.file.Path dir) throws java.io.IOException {
    if (dir == null || !java.nio.file.Files.exists(dir)) {
      return;
    }
    try (var paths = java.nio.file.Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
