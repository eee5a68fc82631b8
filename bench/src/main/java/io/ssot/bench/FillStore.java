package io.ssot.bench;

import io.ssot.store.DataDir;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Fills a data directory with N keys of a typical ~100-byte value, through the store's own write
 * path, then closes it cleanly: the starting point for measuring start-up time.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.ssot.bench.FillStore <dataDir> <keys>}
 */
public final class FillStore {

  public static void main(String[] args) throws Exception {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
    Path dir = Path.of(args[0]);
    int keys = Integer.parseInt(args[1]);
    long started = System.nanoTime();
    try (DataDir dataDir = DataDir.open(dir, new DataDir.Options(Math.max(keys, 1000), 512, 64L << 20))) {
      MvccStore store = dataDir.store();
      for (int i = 0; i < keys; i++) {
        byte[] value = ("{\"pool\":{\"min\":4,\"max\":32},\"timeoutMs\":2500,\"url\":\"pg://db-" + (i % 97)
            + ".internal:5432/app\"}").getBytes(StandardCharsets.US_ASCII);
        store.put(key(i), value, Precondition.NONE, "fill");
      }
      System.out.printf("wrote %d keys up to revision %d in %d ms%n", keys, store.revision(),
          (System.nanoTime() - started) / 1_000_000);
    }
  }

  /** Keys spread over 1000 services, three levels deep, like real configuration. */
  public static String key(int i) {
    return "svc" + (i % 1000) + "/prod/setting." + i;
  }
}
