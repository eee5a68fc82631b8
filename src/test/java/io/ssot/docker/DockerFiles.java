package io.ssot.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** The files of docker/ as Jackson trees (YAML through SnakeYAML, which resolves anchors and merge keys). */
final class DockerFiles {

  static final Path DIR = Path.of("docker");
  static final Path COMPOSE = DIR.resolve("compose.yaml");
  static final Path PROMETHEUS = DIR.resolve("prometheus.yml");
  static final Path DASHBOARD = DIR.resolve("grafana/dashboards/ssot.json");
  static final Path DATASOURCES = DIR.resolve("grafana/provisioning/datasources/prometheus.yaml");
  static final Path DASHBOARD_PROVIDERS = DIR.resolve("grafana/provisioning/dashboards/ssot.yaml");
  static final Path COMPOSE_SCHEMA = DIR.resolve("schema/compose-spec.json");

  static final ObjectMapper JSON = new ObjectMapper();
  /** ${NAME}, ${NAME:?message}, ${NAME:-default} and $$ (a literal $), as Compose interpolates them. */
  private static final Pattern VARIABLE = Pattern.compile("\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?}");

  private DockerFiles() {
  }

  static JsonNode yaml(Path file) throws IOException {
    Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    return JSON.valueToTree(tree);
  }

  static JsonNode json(Path file) throws IOException {
    return JSON.readTree(file.toFile());
  }

  /** {@code text} with Compose's variables replaced from {@code variables} (each must be there). */
  static String interpolate(String text, Map<String, String> variables) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value;
      if (m.group(1) == null) {
        value = "$";
      } else {
        value = variables.get(m.group(1));
        if (value == null) {
          throw new IllegalArgumentException("no value for ${" + m.group(1) + "} in " + text);
        }
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
