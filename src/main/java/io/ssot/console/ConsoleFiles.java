package io.ssot.console;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The console's files, read once from the class path's {@code ui/} folder (the jar, or
 * {@code target/classes} in tests) into memory: a few tens of kilobytes, so serving them never
 * touches the disk or blocks an event loop. Each has its content type and an ETag of its bytes.
 */
final class ConsoleFiles {

  /** One file, ready to send. */
  record File(Buffer bytes, String contentType, String etag) {
  }

  private static final String FOLDER = "ui";
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "ico", "image/x-icon");

  private final Map<String, File> byName;

  private ConsoleFiles(Map<String, File> byName) {
    this.byName = Map.copyOf(byName);
  }

  /** The file at {@code name} (relative to {@code ui/}, such as {@code app.js}), or null. */
  File get(String name) {
    return byName.get(name);
  }

  /** Reads every file under {@code ui/} on the class path; blocks (call it at start-up). */
  static ConsoleFiles load() {
    URL index = ConsoleFiles.class.getClassLoader().getResource(FOLDER + "/index.html");
    if (index == null) {
      throw new IllegalStateException("the console's files (ui/index.html) are not on the class path");
    }
    try {
      URI uri = index.toURI();
      if (!uri.getScheme().equals("jar")) {
        return new ConsoleFiles(read(Path.of(uri).getParent()));
      }
      try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
        return new ConsoleFiles(read(jar.getPath("/" + FOLDER)));
      } catch (FileSystemAlreadyExistsException open) {
        return new ConsoleFiles(read(FileSystems.getFileSystem(uri).getPath("/" + FOLDER)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the console's files", e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, File> read(Path folder) throws IOException {
    Map<String, File> files = new HashMap<>();
    try (Stream<Path> paths = Files.walk(folder)) {
      for (Path path : (Iterable<Path>) paths.filter(Files::isRegularFile)::iterator) {
        String name = folder.relativize(path).toString().replace('\\', '/');
        String type = TYPES.get(name.substring(name.lastIndexOf('.') + 1));
        if (type != null) {
          byte[] bytes = Files.readAllBytes(path);
          files.put(name, new File(Buffer.buffer(bytes), type, etag(bytes)));
        }
      }
    }
    return files;
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + HexFormat.of().formatHex(digest, 0, 12) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
