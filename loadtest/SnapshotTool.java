import io.ssot.snapshot.SnapshotFile;
import io.ssot.snapshot.SnapshotRestore;
import java.nio.file.Path;

/**
 * For loadtest/snapshot.sh, run as a single-file program on the server jar's class path:
 * {@code java -cp target/ssot.jar loadtest/SnapshotTool.java verify FILE} or
 * {@code ... restore FILE DATA_DIR MAX_KEYS}. Prints what it did and how long it took.
 */
public class SnapshotTool {
  public static void main(String[] args) throws Exception {
    long started = System.nanoTime();
    SnapshotFile.Summary s = switch (args[0]) {
      case "verify" -> SnapshotFile.verify(Path.of(args[1]));
      case "restore" -> SnapshotRestore.intoDataDir(Path.of(args[1]), Path.of(args[2]),
          io.ssot.config.Config.defaults().with(java.util.Map.of("store.maxKeys", args[3])), b -> { });
      default -> throw new IllegalArgumentException("verify FILE | restore FILE DIR MAX_KEYS");
    };
    System.out.printf("%s: revision %d, %d keys, %d bytes, in %.1f s%n", args[0], s.revision(), s.count(), s.bytes(),
        (System.nanoTime() - started) / 1e9);
  }
}
