package io.ssot.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.LongConsumer;

/**
 * The work on snapshot files that needs no server: verifying one and restoring one into an
 * empty data directory. The server's snapshot code does it; {@link io.ssot.Main} hands it in,
 * so that this package depends on none of the server's.
 */
public interface OfflineSnapshots {

  /** What a verified snapshot holds. */
  record Summary(long revision, String createdAt, long count, long bytes, String sha256) {
  }

  /** Reads the file through and checks its format, count and checksum; an IOException names what is wrong. */
  Summary verify(Path file, LongConsumer progressBytes) throws IOException;

  /** Verifies the file, then loads it into {@code dataDir}, which must be empty or missing. */
  Summary restore(Path file, Path dataDir, LongConsumer progressBytes) throws IOException;
}
