package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A view's last snapshot on disk: {@code {"prefix":P,"revision":R,"entries":[{"key","revision","value"}...]}}.
 * Written to a temporary file in the same directory, forced to disk, then moved over the old one
 * atomically, so a reader (the next start) finds the old snapshot or the new one, never half of one.
 */
final class FallbackFile {

  private FallbackFile() {
  }

  static void write(Path file, String prefix, ViewSnapshot snapshot) throws IOException {
    ObjectNode root = Json.MAPPER.createObjectNode().put("prefix", prefix).put("revision", snapshot.revision);
    ArrayNode entries = root.putArray("entries");
    new TreeMap<>(snapshot.entries).forEach((k, e) ->
        entries.addObject().put("key", k).put("revision", e.revision).set("value", e.value));
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ch.write(java.nio.ByteBuffer.wrap(Json.MAPPER.writeValueAsBytes(root)));
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The snapshot in the file; null when there is none, or it is of another prefix, or unreadable. */
  static ViewSnapshot read(Path file, String prefix) {
    if (!Files.isRegularFile(file)) {
      return null;
    }
    try {
      JsonNode root = Json.MAPPER.readTree(file.toFile());
      if (!prefix.equals(root.path("prefix").asText(null))) {
        return null;
      }
      HashMap<String, ViewEntry> entries = new HashMap<>();
      for (JsonNode e : root.path("entries")) {
        entries.put(e.path("key").asText(), new ViewEntry(e.get("value"), e.path("revision").asLong()));
      }
      return new ViewSnapshot(root.path("revision").asLong(), entries);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
