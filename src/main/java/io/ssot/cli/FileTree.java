package io.ssot.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A directory of {@code .json}, {@code .yaml} and {@code .yml} files as the keys they stand for:
 * {@code DIR/db/primary.yaml} is the key {@code PREFIX + "db/primary"}. Other files and hidden
 * ones (a name starting with a dot) are left out. Each value is in the form the server would
 * give it back, so that comparing it with the stored one shows real differences only.
 */
final class FileTree {

  private static final List<String> EXTENSIONS = List.of(".json", ".yaml", ".yml");

  private FileTree() {
  }

  /** Key to value, sorted by key. */
  static Map<String, JsonNode> read(Path dir, String prefix) {
    if (!Files.isDirectory(dir)) {
      throw new UsageException(dir + " is not a directory");
    }
    List<Path> files;
    try (Stream<Path> walk = Files.walk(dir)) {
      files = walk.filter(Files::isRegularFile).filter(f -> extension(f) != null)
          .filter(f -> !hidden(dir.relativize(f))).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      throw new UsageException("cannot read the directory " + dir + ": " + e.getMessage(), e);
    }
    Map<String, JsonNode> keys = new TreeMap<>();
    Map<String, Path> from = new TreeMap<>();
    Progress progress = Progress.of("reading", files.size());
    int done = 0;
    for (Path f : files) {
      String relative = dir.relativize(f).toString();
      String key = prefix + relative.substring(0, relative.length() - extension(f).length());
      Path earlier = from.put(key, f);
      if (earlier != null) {
        throw new UsageException(earlier + " and " + f + " both stand for the key " + key);
      }
      keys.put(key, parse(f));
      progress.update(++done);
    }
    progress.done();
    return keys;
  }

  private static boolean hidden(Path relative) {
    for (Path part : relative) {
      if (part.toString().startsWith(".")) {
        return true;
      }
    }
    return false;
  }

  private static String extension(Path f) {
    String name = f.getFileName().toString();
    return EXTENSIONS.stream().filter(e -> name.endsWith(e) && name.length() > e.length()).findFirst().orElse(null);
  }

  private static JsonNode parse(Path f) {
    try {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      Object tree = f.toString().endsWith(".json") ? Output.MAPPER.readTree(text)
          : Output.MAPPER.valueToTree(new Yaml(new SafeConstructor(new LoaderOptions())).load(text));
      // Through JSON text and back: numbers and strings as the server's JSON would read them.
      return Output.MAPPER.readTree(Output.MAPPER.writeValueAsBytes(tree));
    } catch (JsonProcessingException | YAMLException | IllegalArgumentException e) {
      throw new UsageException(f + " is not valid " + (f.toString().endsWith(".json") ? "JSON" : "YAML") + ": "
          + e.getMessage().lines().findFirst().orElse(""), e);
    } catch (IOException e) {
      throw new UsageException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }
}
