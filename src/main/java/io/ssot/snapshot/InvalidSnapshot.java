package io.ssot.snapshot;

import java.io.IOException;

/** A file that is not a complete, intact snapshot: wrong format, truncated, or a checksum that does not match. */
public final class InvalidSnapshot extends IOException {

  public InvalidSnapshot(String message) {
    super(message);
  }
}
