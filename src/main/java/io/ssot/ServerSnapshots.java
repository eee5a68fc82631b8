package io.ssot;

import io.ssot.cli.OfflineSnapshots;
import io.ssot.snapshot.SnapshotFile;
import io.ssot.snapshot.SnapshotRestore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/** The CLI's work on snapshot files, done by the server's snapshot code (the CLI itself knows only the client). */
final class ServerSnapshots implements OfflineSnapshots {

  @Override
  public Summary verify(Path file, LongConsumer progressBytes) throws IOException {
    return summary(SnapshotFile.read(file, entry -> { }, progressBytes));
  }

  @Override
  public Summary restore(Path file, Path dataDir, LongConsumer progressBytes) throws IOException {
    return summary(SnapshotRestore.intoDataDir(file, dataDir, progressBytes));
  }

  private static Summary summary(SnapshotFile.Summary s) {
    return new Summary(s.revision(), s.createdAt(), s.count(), s.bytes(), s.sha256());
  }
}
