package io.ssot.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * The resolved configuration: for each {@link Settings setting}, its environment variable if
 * set, else its value in the configuration file (YAML or JSON), else its default. Every value
 * is parsed and checked when loaded, so a bad one stops start-up with a message naming it.
 */
public final class Config {

  /**
   * Environment variables named {@code SSOT_*} that are not settings but have a use, so they are
   * not refused as misspelt settings: the configuration file's path (read by {@code Main}), the
   * log level (read by logback.xml) and the server's JVM options (read by the scripts that start
   * it, and inherited by it).
   */
  public static final Set<String> OTHER_ENVIRONMENT = Set.of("SSOT_CONFIG", "SSOT_LOG_LEVEL", "SSOT_JAVA_OPTS");

  private final Map<Setting<?>, Object> values;
  /** The settings given (environment, file or {@link #with}) rather than defaulted. */
  private final Set<Setting<?>> given;

  private Config(Map<Setting<?>, Object> values, Set<Setting<?>> given) {
    this.values = values;
    this.given = given;
  }

  /** Whether {@code setting} was given rather than left at its default (some defaults depend on other settings). */
  public boolean isGiven(Setting<?> setting) {
    return given.contains(setting);
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
    refuseUnknownEnvironment(env);
    Map<Setting<?>, Object> values = new HashMap<>();
    Set<Setting<?>> given = new HashSet<>();
    for (Setting<?> s : Settings.ALL) {
      String text = env.getOrDefault(s.envName(), fromFile.getOrDefault(s.name(), s.defaultText()));
      values.put(s, s.parse(text));
      if (env.containsKey(s.envName()) || fromFile.containsKey(s.name())) {
        given.add(s);
      }
    }
    return new Config(values, given);
  }

  /** An {@code SSOT_*} variable that is no setting is a typo, refused as an unknown key in the file is. */
  private static void refuseUnknownEnvironment(Map<String, String> env) {
    Set<String> known = new TreeSet<>(OTHER_ENVIRONMENT);
    Settings.ALL.forEach(s -> known.add(s.envName()));
    for (String name : new TreeSet<>(env.keySet())) {
      if (name.startsWith("SSOT_") && !known.contains(name)) {
        throw new IllegalArgumentException("unknown environment variable " + name + ": no setting is named so"
            + " (settings are SSOT_<NAME> as listed in conf/ssot.yaml; others allowed: "
            + String.join(", ", new TreeSet<>(OTHER_ENVIRONMENT)) + ")");
      }
    }
  }

  /** A copy with some settings replaced, by name; for tests and tools. */
  public Config with(Map<String, String> overrides) {
    Map<Setting<?>, Object> copy = new HashMap<>(values);
    Set<Setting<?>> givenCopy = new HashSet<>(given);
    for (Map.Entry<String, String> o : overrides.entrySet()) {
      Setting<?> s = Settings.ALL.stream().filter(x -> x.name().equals(o.getKey())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown setting '" + o.getKey() + "'"));
      copy.put(s, s.parse(o.getValue()));
      givenCopy.add(s);
    }
    return new Config(copy, givenCopy);
  }

  private static Map<String, String> readFile(Path file) {
    Object root;
    try {
      root = yaml().load(Files.readString(file));
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("the configuration file " + file.toAbsolutePath() + " does not exist", e);
    } catch (IOException | YAMLException e) {
      throw new IllegalArgumentException("cannot read configuration " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> flat = new HashMap<>();
    if (root != null) {
      if (!(root instanceof Map<?, ?> settings)) {
        throw new IllegalArgumentException(file + ": expected a mapping of settings");
      }
      flatten("", settings, flat, file);
    }
    return flat;
  }

  /**
   * SnakeYAML that keeps every scalar as the text it is (but {@code null} and {@code ~}): the
   * settings parse their own values, and {@code 1e3} or {@code 2030-01-01} must reach them as
   * written. SnakeYAML alone, not a data-binding library on top of it: reading this file is on the
   * start-up path, where every class loaded counts.
   */
  private static Yaml yaml() {
    Resolver textOnly = new Resolver() {
      @Override
      protected void addImplicitResolvers() {
        addImplicitResolver(Tag.NULL, NULL, "~nN\0");
        addImplicitResolver(Tag.NULL, EMPTY, null);
      }
    };
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    DumperOptions dumper = new DumperOptions();
    return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options, textOnly);
  }

  private static void flatten(String prefix, Map<?, ?> node, Map<String, String> out, Path file) {
    for (Map.Entry<?, ?> field : node.entrySet()) {
      String name = prefix.isEmpty() ? String.valueOf(field.getKey()) : prefix + "." + field.getKey();
      Object value = field.getValue();
      if (value instanceof Map<?, ?> nested) {
        flatten(name, nested, out, file);
      } else if (value == null || value instanceof String) {
        out.put(name, value == null ? "" : (String) value);
      } else {
        throw new IllegalArgumentException(file + ": setting '" + name + "' must be a single value");
      }
    }
  }
}
