package io.ssot.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.ssot.config.Config;
import io.ssot.config.Consistency;
import io.ssot.config.Settings;
import io.ssot.persist.PgLocation;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docker/compose.yaml, without a container engine: valid against the Compose JSON Schema (the
 * copy in docker/schema, through networknt's validator), each node's environment accepted by the
 * server's own settings loader, and the pieces pointing at each other (Prometheus targets and
 * token, Grafana's data source, dashboard and mounts) agreeing with the services.
 */
class ComposeFileTest {

  private static final String NODE_DOCKERFILE = "docker/Dockerfile";
  /** Values for the variables a user exports before {@code docker compose up}. */
  private static final Map<String, String> VARIABLES = Map.of(
      "SSOT_ADMIN_TOKEN", "compose-test-token-0123456789", "POSTGRES_PASSWORD", "pgpassword0123",
      "GRAFANA_ADMIN_PASSWORD", "grafana0123");
  private static final Pattern DOCKERFILE_ENV = Pattern.compile("([A-Z_][A-Z0-9_]*)=(\\S+)");

  private static JsonNode compose;
  private static JsonNode services;

  @BeforeAll
  static void load() throws IOException {
    compose = DockerFiles.yaml(DockerFiles.COMPOSE);
    services = compose.get("services");
  }

  @Test
  void theComposeFileIsValidAgainstTheComposeSchema() throws IOException {
    List<Error> errors = composeSchema().validate(compose);
    assertTrue(errors.isEmpty(), "compose.yaml breaks the Compose schema: " + errors);
  }

  /** The validation above is not empty: the same schema refuses a misspelt key and a wrong type. */
  @Test
  void theSchemaRefusesAMisspeltKeyAndAWrongType() throws IOException {
    Schema schema = composeSchema();
    ObjectNode misspelt = compose.deepCopy();
    ((ObjectNode) misspelt.get("services").get("ssot-1")).put("enviroment", "SSOT_HTTP_PORT=1");
    assertFalse(schema.validate(misspelt).isEmpty(), "a misspelt service key passed");
    ObjectNode wrongType = compose.deepCopy();
    ((ObjectNode) wrongType.get("services").get("redis")).put("healthcheck", "redis-cli ping");
    assertFalse(schema.validate(wrongType).isEmpty(), "a healthcheck that is a string passed");
  }

  /**
   * Each node's environment, after Compose's interpolation and on top of the image's ENV, is
   * accepted by the loader the server starts with (an unknown SSOT_* variable stops it), and
   * names the services of this file.
   */
  @Test
  void everyNodeStartsInClusterModeOnThePostgresAndRedisOfTheFile() throws IOException {
    Map<String, String> image = dockerfileEnvironment();
    Set<String> ids = new HashSet<>();
    List<String> nodes = nodes();
    assertEquals(3, nodes.size(), "three nodes: " + nodes);
    for (String node : nodes) {
      JsonNode service = services.get(node);
      Map<String, String> env = new HashMap<>(image);
      service.get("environment").fields().forEachRemaining(e ->
          env.put(e.getKey(), DockerFiles.interpolate(e.getValue().asText(), VARIABLES)));
      Config config = Config.load(Path.of("conf", "ssot.yaml"), env);
      Consistency.check(config);

      assertTrue(config.get(Settings.CLUSTER_ENABLED), node);
      assertTrue(ids.add(config.get(Settings.CLUSTER_NODE_ID)), node + ": node ids differ");
      assertEquals(VARIABLES.get("SSOT_ADMIN_TOKEN"), config.get(Settings.ADMIN_TOKEN), node);
      int port = config.get(Settings.HTTP_PORT);
      assertEquals("0.0.0.0", config.get(Settings.HTTP_HOST), node + " binds every interface");
      assertEquals(URI.create("http://" + node + ":" + port), URI.create(config.get(Settings.CLUSTER_ADVERTISE_URL)),
          node + " advertises its service name and port");
      String published = service.get("ports").get(0).asText();
      assertTrue(published.startsWith("127.0.0.1:") && published.endsWith(":" + port), node + ": " + published);
      assertTrue(service.get("healthcheck").get("test").toString().contains("/dev/tcp/127.0.0.1/" + port), node);
      assertEquals(config.get(Settings.DATA_DIR), service.get("volumes").get(0).asText().split(":")[1],
          node + " keeps its data directory on a volume");

      PgLocation pg = PgLocation.parse(config.get(Settings.PG_URL));
      Map<String, String> postgres = interpolated(services.get(pg.host()).get("environment"));
      assertEquals(List.of(postgres.get("POSTGRES_USER"), postgres.get("POSTGRES_PASSWORD"), postgres.get("POSTGRES_DB")),
          List.of(pg.user(), pg.password(), pg.database()), node + ": pg.url fits the postgres service");
      URI redis = URI.create(config.get(Settings.REDIS_URL));
      assertTrue(services.has(redis.getHost()), node + ": redis.url names a service: " + redis);
    }
  }

  @Test
  void prometheusScrapesEveryNodeWithTheAdminToken() throws IOException {
    JsonNode job = DockerFiles.yaml(DockerFiles.PROMETHEUS).get("scrape_configs").get(0);
    Set<String> targets = new TreeSet<>();
    job.get("static_configs").forEach(c -> c.get("targets").forEach(t -> targets.add(t.asText())));
    Set<String> expected = new TreeSet<>();
    for (String node : nodes()) {
      expected.add(node + ":" + URI.create(interpolated(services.get(node).get("environment"))
          .get(Settings.CLUSTER_ADVERTISE_URL.envName())).getPort());
    }
    assertEquals(expected, targets);
    assertEquals("/metrics", job.get("metrics_path").asText());

    String file = job.get("authorization").get("credentials_file").asText();
    assertTrue(file.startsWith("/run/secrets/"), file);
    String secret = file.substring("/run/secrets/".length());
    assertTrue(services.get("prometheus").get("secrets").toString().contains("\"" + secret + "\""), secret);
    String variable = compose.get("secrets").get(secret).get("environment").asText();
    for (String node : nodes()) {
      assertEquals(VARIABLES.get(variable), interpolated(services.get(node).get("environment"))
          .get(Settings.ADMIN_TOKEN.envName()), node + " takes the token Prometheus sends");
    }
    assertMountExists("prometheus", "/etc/prometheus/prometheus.yml");
  }

  @Test
  void grafanaShowsTheDashboardFromThePrometheusOfTheFile() throws IOException {
    JsonNode source = DockerFiles.yaml(DockerFiles.DATASOURCES).get("datasources").get(0);
    URI url = URI.create(source.get("url").asText());
    assertTrue(services.has(url.getHost()), url.toString());
    assertEquals(9090, url.getPort());
    String uid = source.get("uid").asText();
    JsonNode dashboard = DockerFiles.json(DockerFiles.DASHBOARD);
    List<String> otherSources = new ArrayList<>();
    dashboard.findValues("datasource").forEach(d -> {
      if (!uid.equals(d.get("uid").asText())) {
        otherSources.add(d.toString());
      }
    });
    assertTrue(otherSources.isEmpty(), "the dashboard uses only the provisioned data source: " + otherSources);

    String dashboards = DockerFiles.yaml(DockerFiles.DASHBOARD_PROVIDERS).get("providers").get(0)
        .get("options").get("path").asText();
    assertMountExists("grafana", dashboards);
    assertMountExists("grafana", "/etc/grafana/provisioning");
    assertEquals(dashboards + "/" + DockerFiles.DASHBOARD.getFileName(),
        interpolated(services.get("grafana").get("environment")).get("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"));
  }

  /** The services built from the server's Dockerfile. */
  private static List<String> nodes() {
    List<String> nodes = new ArrayList<>();
    services.fields().forEachRemaining(s -> {
      JsonNode build = s.getValue().get("build");
      if (build != null && NODE_DOCKERFILE.equals(Path.of("docker").resolve(build.get("context").asText())
          .resolve(build.get("dockerfile").asText()).normalize().toString())) {
        nodes.add(s.getKey());
      }
    });
    return nodes;
  }

  /** The {@code ENV} the image sets, which a node's environment adds to. */
  private static Map<String, String> dockerfileEnvironment() throws IOException {
    Map<String, String> env = new HashMap<>();
    for (String line : Files.readAllLines(Path.of(NODE_DOCKERFILE))) {
      if (line.startsWith("ENV ")) {
        Matcher m = DOCKERFILE_ENV.matcher(line);
        while (m.find()) {
          env.put(m.group(1), m.group(2));
        }
      }
    }
    assertTrue(env.containsKey(Settings.HTTP_HOST.envName()), "the Dockerfile sets " + env);
    return env;
  }

  private static Map<String, String> interpolated(JsonNode environment) {
    Map<String, String> env = new HashMap<>();
    environment.fields().forEachRemaining(e -> env.put(e.getKey(), DockerFiles.interpolate(e.getValue().asText(), VARIABLES)));
    return env;
  }

  /** {@code service} mounts a file or directory of docker/ that exists at {@code target}. */
  private static void assertMountExists(String service, String target) {
    for (JsonNode volume : services.get(service).get("volumes")) {
      String[] parts = volume.asText().split(":");
      if (parts[1].equals(target)) {
        assertTrue(parts[0].startsWith("./") && Files.exists(DockerFiles.DIR.resolve(parts[0])), volume.asText());
        return;
      }
    }
    throw new AssertionError(service + " mounts nothing at " + target);
  }

  private static Schema composeSchema() throws IOException {
    // Its $id (compose_spec.json) is relative: resolved against where the file is.
    return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(
        SchemaLocation.of(DockerFiles.COMPOSE_SCHEMA.toAbsolutePath().toUri().toString()),
        DockerFiles.json(DockerFiles.COMPOSE_SCHEMA));
  }
}
