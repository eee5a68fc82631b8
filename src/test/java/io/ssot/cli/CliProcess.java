package io.ssot.cli;

import io.ssot.testsupport.ChildJvm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The CLI as a user runs it: {@code java -cp <test class path> io.ssot.Main cli ARGS} in a child
 * JVM (the jar's entry point, on the build's classes), with only the SSOTCTL_ settings given
 * (none inherited, and a profile file that does not exist unless one is named), its output in files.
 */
final class CliProcess {

  record Result(int code, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
  }

  private final Path dir;
  private final Map<String, String> env;

  /** @param env SSOTCTL_URL, SSOTCTL_TOKEN, SSOTCTL_CONFIG as the test wants them */
  CliProcess(Path dir, Map<String, String> env) {
    this.dir = dir;
    this.env = env;
  }

  CliProcess with(Map<String, String> otherEnv) {
    return new CliProcess(dir, otherEnv);
  }

  /** Runs to its end (at most 60 s) with {@code stdin} (may be empty) as standard input. */
  Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
    Running r = start(args);
    r.process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
    r.process.getOutputStream().close();
    return r.await();
  }

  Result run(String... args) throws IOException, InterruptedException {
    return runWithInput("", args);
  }

  /** Starts it; the caller talks to its standard input and reads its output files as it goes. */
  Running start(String... args) throws IOException {
    // A short-lived client, as bin/ssot runs it (without its class-data archive: Java 17 keeps
    // none for a class path with directories, as this one has). The module openings of the
    // jar's manifest come with it: an offline restore opens a Chronicle store.
    List<String> command = ChildJvm.mainCommand("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m");
    command.add("cli");
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "cli", ".out");
    Path err = Files.createTempFile(dir, "cli", ".err");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile())
        .redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SSOTCTL_") || k.startsWith("SSOT_"));
    pb.environment().put("SSOTCTL_CONFIG", dir.resolve("no-such-profile").toString());
    pb.environment().putAll(env);
    return new Running(pb.start(), out, err);
  }

  static final class Running {
    final Process process;
    final Path out;
    final Path err;

    Running(Process process, Path out, Path err) {
      this.process = process;
      this.out = out;
      this.err = err;
    }

    String stdout() throws IOException {
      return Files.readString(out, StandardCharsets.UTF_8);
    }

    String stderr() throws IOException {
      return Files.readString(err, StandardCharsets.UTF_8);
    }

    /** Waits (at most 20 s) until {@code text} appears in stdout ({@code false}) or stderr ({@code true}). */
    void awaitOutput(String text, boolean onStderr) throws IOException, InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!(onStderr ? stderr() : stdout()).contains(text)) {
        if (System.nanoTime() > deadline || !process.isAlive()) {
          throw new AssertionError("no '" + text + "' from the CLI:\n" + stdout() + "\n" + stderr());
        }
        Thread.sleep(20);
      }
    }

    Result await() throws IOException, InterruptedException {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("the CLI did not exit within 60 s:\n" + stdout() + "\n" + stderr());
      }
      return new Result(process.exitValue(), stdout(), stderr());
    }
  }
}
