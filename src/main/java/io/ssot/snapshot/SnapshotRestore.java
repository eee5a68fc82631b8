package io.ssot.snapshot;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.store.DataDir;
import io.ssot.store.StoreLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.util.stream.Stream;

/**
 * Restores a snapshot file into an empty data directory, offline (no server has it open): the
 * server started on it serves the snapshot's revision with the same keys, metadata, tokens and
 * schemas. The file is verified through first, so a corrupt one changes nothing.
 *
 * <p>The change log of the restored store is empty and starts after the snapshot's revision:
 * history and watches reach back to that revision, not before it.
 */
public final class SnapshotRestore {

  private SnapshotRestore() {
  }

  /**
   * With the store's sizing from the defaults (and room for the snapshot's keys).
   *
   * @param progressBytes told the bytes read so far: the file is read twice (verify, then load),
   *                      so it runs up to twice the file's size
   */
  public static SnapshotFile.Summary intoDataDir(Path file, Path dataDir, LongConsumer progressBytes)
      throws IOException {
    return intoDataDir(file, dataDir, Config.defaults(), progressBytes);
  }

  /** As {@link #intoDataDir(Path, Path, LongConsumer)}, sized by {@code config}'s store settings. */
  public static SnapshotFile.Summary intoDataDir(Path file, Path dataDir, Config config, LongConsumer progressBytes)
      throws IOException {
    refuseNonEmpty(dataDir);
    SnapshotFile.Summary summary = SnapshotFile.read(file, entry -> { }, progressBytes);
    long verified = summary.bytes();
    DataDir.Options options = new DataDir.Options(
        Math.max(config.get(Settings.STORE_MAX_KEYS), summary.count() + summary.count() / 4),
        config.get(Settings.STORE_AVERAGE_VALUE_BYTES), config.get(Settings.CHANGELOG_SEGMENT_BYTES));
    try (StoreLoader loader = StoreLoader.create(dataDir, options, summary.revision() + 1)) {
      SnapshotFile.Summary loaded = SnapshotFile.read(file, loader::put, read -> progressBytes.accept(verified + read));
      if (!loaded.sha256().equals(summary.sha256())) {
        throw new InvalidSnapshot("the file changed while it was restored");
      }
      loader.finish();
    }
    return summary;
  }

  /** Anything in the directory may be a store or an operator's file: only a missing or empty one is taken. */
  private static void refuseNonEmpty(Path dataDir) throws IOException {
    if (!Files.exists(dataDir)) {
      return;
    }
    if (!Files.isDirectory(dataDir)) {
      throw new IOException(dataDir.toAbsolutePath() + " is not a directory");
    }
    try (Stream<Path> files = Files.list(dataDir)) {
      if (files.findAny().isPresent()) {
        throw new IOException("the data directory " + dataDir.toAbsolutePath() + " is not empty: a snapshot is "
            + "restored only into an empty (or missing) directory, so that no store is overwritten");
      }
    }
  }
}
