package io.ssot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Text a command reads: a file, or standard input for {@code -}. */
final class Input {

  private Input() {
  }

  static String read(String fileOrDash) {
    try {
      if ("-".equals(fileOrDash)) {
        return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      }
      return Files.readString(Path.of(fileOrDash), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UsageException("cannot read " + ("-".equals(fileOrDash) ? "standard input" : fileOrDash) + ": " + e);
    }
  }
}
