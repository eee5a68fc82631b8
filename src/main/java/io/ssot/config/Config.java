package io.ssot.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The resolved configuration: for each {@link Settings setting}, its environment variable if
 * set, else its value in the configuration file (YAML or JSON), else its default. Every value
 * is parsed and checked when loaded, so a bad one stops start-up with a message naming it.
 */
public final class Config {

  private final Map<Setting<?>, Object> values;

  private Config(Map<Setting<?>, Object> values) {
    this.values = values;
  }

  @SuppressWarnings("unchecked")
  public <T> T get(Setting<T> setting) {
    return (T) values.get(setting);
  }

  public static Config defaults() {
    return load(null, Map.of());
  }

  /**
   * @param file the configuration file, or null for none
   * @param env  the environment ({@code System.getenv()} in production)
   */
  public static Config load(Path file, Map<String, String> env) {
    Map<String, String> fromFile = file == null ? Map.of() : readFile(file);
    Map<String, Setting<?>> byName = new HashMap<>();
    Settings.ALL.forEach(s -> byName.put(s.name(), s));
    for (String name : fromFile.keySet()) {
      if (!byName.containsKey(name)) {
        throw new IllegalArgumentException(file + ": unknown setting '" + name + "'");
      }
    }
    Map<Setting<?>, Object> values = new HashMap<>();
    for (Setting<?> s : Settings.ALL) {
      String text = env.getOrDefault(s.envName(), fromFile.getOrDefault(s.name(), s.defaultText()));
      values.put(s, s.parse(text));
    }
    return new Config(values);
  }

  /** A copy with some settings replaced, by name; for tests and tools. */
  public Config with(Map<String, String> overrides) {
    Map<Setting<?>, Object> copy = new HashMap<>(values);
    for (Map.Entry<String, String> o : overrides.entrySet()) {
      Setting<?> s = Settings.ALL.stream().filter(x -> x.name().equals(o.getKey())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown setting '" + o.getKey() + "'"));
      copy.put(s, s.parse(o.getValue()));
    }
    return new Config(copy);
  }

  private static Map<String, String> readFile(Path file) {
    try {
      JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
      Map<String, String> flat = new HashMap<>();
      if (root != null && !root.isMissingNode() && !root.isNull()) {
        if (!root.isObject()) {
          throw new IllegalArgumentException(file + ": expected a mapping of settings");
        }
        flatten("", root, flat, file);
      }
      return flat;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read configuration " + file + ": " + e.getMessage(), e);
    }
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> out, Path file) {
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      String name = prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey();
      JsonNode value = field.getValue();
      if (value.isObject()) {
        flatten(name, value, out, file);
      } else if (value.isValueNode()) {
        out.put(name, value.isNull() ? "" : value.asText());
      } else {
        throw new IllegalArgumentException(file + ": setting '" + name + "' must be a single value");
      }
    }
  }
}
