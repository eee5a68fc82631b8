package io.ssot;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A small tmpfs mounted by a test, so that the disk really fills. Needs root (CI runs as
 * root); a test on a machine where mounting is not permitted is skipped, not failed.
 */
final class Tmpfs implements AutoCloseable {

  final Path dir;

  private Tmpfs(Path dir) {
    this.dir = dir;
  }

  /** Mounts a tmpfs of {@code megabytes} MiB on {@code dir} (created if missing); skips the test if it cannot. */
  static Tmpfs mount(Path dir, int megabytes) throws IOException, InterruptedException {
    assumeTrue("root".equals(System.getProperty("user.name")),
        "mounting a tmpfs needs root; skipped as user " + System.getProperty("user.name"));
    Files.createDirectories(dir);
    String result = run("mount", "-t", "tmpfs", "-o", "size=" + megabytes + "m", "tmpfs", dir.toString());
    assumeTrue(result == null, "mount -t tmpfs is not permitted here: " + result);
    return new Tmpfs(dir);
  }

  /** Changes the size limit of the mounted file system, keeping its files. */
  void resize(int megabytes) throws IOException, InterruptedException {
    String result = run("mount", "-o", "remount,size=" + megabytes + "m", dir.toString());
    if (result != null) {
      throw new IOException("cannot remount " + dir + ": " + result);
    }
  }

  /** Unmounts (lazily if something still holds a file), leaving the empty mount point. */
  @Override
  public void close() throws IOException, InterruptedException {
    if (run("umount", dir.toString()) != null) {
      String lazy = run("umount", "-l", dir.toString());
      if (lazy != null) {
        throw new IOException("cannot unmount " + dir + ": " + lazy);
      }
    }
  }

  /** Runs a command; null when it succeeded, else its exit code and output. */
  private static String run(String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return "timed out";
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + out;
  }
}
