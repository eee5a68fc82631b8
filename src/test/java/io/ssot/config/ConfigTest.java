package io.ssot.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

  @Test
  void theShippedFileHoldsEverySettingAtItsDefault() {
    Config fromFile = Config.load(Path.of("conf", "ssot.yaml"), Map.of());
    Config defaults = Config.defaults();
    for (Setting<?> s : Settings.ALL) {
      assertEquals(defaults.get(s), fromFile.get(s), s.name());
    }
  }

  @Test
  void theReadmeDocumentsEverySetting() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    for (Setting<?> s : Settings.ALL) {
      assertTrue(readme.contains("| `" + s.name() + "` | `" + s.envName() + "` |"), s.name() + " missing from README");
    }
  }

  @Test
  void environmentWinsOverFileWhichWinsOverDefault(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "http:\n  port: 9000\n  host: 0.0.0.0\nlimits:\n  maxWait: 5s\n");
    Config c = Config.load(file, Map.of("SSOT_HTTP_PORT", "9100", "SSOT_LIMITS_MAX_VALUE_BYTES", "2MiB"));
    assertEquals(9100, c.get(Settings.HTTP_PORT));
    assertEquals("0.0.0.0", c.get(Settings.HTTP_HOST));
    assertEquals(Duration.ofSeconds(5), c.get(Settings.LIMITS_MAX_WAIT));
    assertEquals(2L << 20, c.get(Settings.LIMITS_MAX_VALUE_BYTES));
    assertEquals("./data", c.get(Settings.DATA_DIR));
  }

  @Test
  void specNamesForTheEnvironment() {
    assertEquals("SSOT_HTTP_HOST", Settings.HTTP_HOST.envName());
    assertEquals("SSOT_HTTP_PORT", Settings.HTTP_PORT.envName());
    assertEquals("SSOT_DATA_DIR", Settings.DATA_DIR.envName());
    assertEquals("SSOT_PG_URL", Settings.PG_URL.envName());
    assertEquals("SSOT_REDIS_URL", Settings.REDIS_URL.envName());
    assertEquals("SSOT_ADMIN_TOKEN", Settings.ADMIN_TOKEN.envName());
    assertEquals("SSOT_TLS_CERT", Settings.TLS_CERT.envName());
    assertEquals("SSOT_TLS_KEY", Settings.TLS_KEY.envName());
  }

  @Test
  void badValuesAndUnknownSettingsAreRefusedByName(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
        () -> Config.load(null, Map.of("SSOT_HTTP_PORT", "70000")));
    assertTrue(port.getMessage().contains("SSOT_HTTP_PORT"), port.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Config.load(null, Map.of("SSOT_DURABILITY", "fast")));
    assertThrows(IllegalArgumentException.class, () -> Config.load(null, Map.of("SSOT_LIMITS_MAX_WAIT", "soon")));
    Path file = dir.resolve("c.yaml");
    Files.writeString(file, "http:\n  prot: 9000\n");
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Config.load(file, Map.of()));
    assertTrue(unknown.getMessage().contains("http.prot"), unknown.getMessage());
  }

  @Test
  void aFileThatIsNotAMappingOfSingleValuesIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("c.yaml");
    for (String yaml : List.of("- a\n- b\n", "http:\n  port: [1, 2]\n", "http:\n  port: 1\n  port: 2\n",
        "http: {port: 1\n", "just text\n")) {
      Files.writeString(file, yaml);
      IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Config.load(file, Map.of()),
          yaml);
      assertTrue(refused.getMessage().contains(file.toString()), refused.getMessage());
    }
    Files.writeString(file, "# nothing set\n");
    assertEquals(Config.load(null, Map.of()).get(Settings.HTTP_PORT), Config.load(file, Map.of()).get(Settings.HTTP_PORT));
    Files.writeString(file, "limits:\n  maxWait: 30s\nauth:\n  enabled: false\n");
    Config loaded = Config.load(file, Map.of());
    assertEquals(Duration.ofSeconds(30), loaded.get(Settings.LIMITS_MAX_WAIT));
    assertEquals(false, loaded.get(Settings.AUTH_ENABLED));
  }

  @Test
  void anSsotVariableThatIsNoSettingIsRefusedUnlessItHasAKnownUse() {
    IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
        () -> Config.load(null, Map.of("SSOT_HTTP_PROT", "9000")));
    assertTrue(typo.getMessage().contains("SSOT_HTTP_PROT"), typo.getMessage());
    // Variables the start-up path and scripts read, and ones not named SSOT_, are no settings and no typos.
    Config c = Config.load(null, Map.of("SSOT_CONFIG", "conf/ssot.yaml", "SSOT_LOG_LEVEL", "DEBUG",
        "SSOT_JAVA_OPTS", "-Xmx1g", "SSOTX", "1", "PATH", "/usr/bin", "SSOT_HTTP_PORT", "9100"));
    assertEquals(9100, c.get(Settings.HTTP_PORT));
  }
}
