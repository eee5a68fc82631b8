package io.ssot;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Deletes what a test made outside a JUnit {@code @TempDir}. */
public final class TempFiles {

  private TempFiles() {
  }

  /** Deletes a file, or a directory with everything in it; nothing if it is already gone. */
  public static void delete(Path path) {
    List<Path> deepestFirst;
    try (Stream<Path> walk = Files.walk(path)) {
      deepestFirst = walk.sorted(Comparator.reverseOrder()).toList();
    } catch (NoSuchFileException gone) {
      return;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    for (Path p : deepestFirst) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete " + p, e);
      }
    }
  }
}
