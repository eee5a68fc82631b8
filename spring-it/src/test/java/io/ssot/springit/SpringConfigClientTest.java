package io.ssot.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ssot.testsupport.ChildJvm;
import io.ssot.testsupport.LoopbackPorts;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.cloud.context.config.annotation.RefreshScope;
import org.springframework.cloud.context.refresh.ContextRefresher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.PropertySource;

/**
 * An unchanged Spring Boot application with spring-cloud-config-client reads its configuration
 * from the server: the server runs as a child JVM on a free loopback port, the keys of four
 * layers are written to it, and the application, started in this JVM with only
 * {@code spring.config.import=configserver:...} and the bearer token, sees the properties with
 * Spring Cloud Config's precedence; a change to a key and a refresh give it the new value.
 */
@Timeout(120)
class SpringConfigClientTest {

  private static final String ADMIN_TOKEN = "spring-it-admin-token";

  private Path workDir;
  private Process server;
  private int port;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void startServer() throws Exception {
    workDir = Files.createTempDirectory("ssot-spring-it");
    port = LoopbackPorts.free();
    // A small, quickly started JVM: the machine is shared with this one.
    List<String> command = ChildJvm.mainCommand("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
        .redirectOutput(workDir.resolve("server.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SSOT_"));
    pb.environment().put("SSOT_ADMIN_TOKEN", ADMIN_TOKEN);
    pb.environment().put("SSOT_HTTP_PORT", Integer.toString(port));
    pb.environment().put("SSOT_HTTP_EVENT_LOOPS", "2");
    server = pb.start();
    awaitReady();
  }

  @AfterEach
  void stopServer() throws Exception {
    if (server != null) {
      server.descendants().forEach(ProcessHandle::destroyForcibly);
      server.destroyForcibly();
      server.waitFor(20, TimeUnit.SECONDS);
    }
    if (workDir != null) {
      try (Stream<Path> files = Files.walk(workDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void aSpringApplicationReadsItsLayersWithSpringsPrecedenceAndRefreshes() throws Exception {
    put("config/application/default/greeting", "\"hello from application\"");
    put("config/application/default/shared", "\"application\"");
    put("config/application/default/db", "{\"pool\":{\"max\":4,\"min\":1}}");
    put("config/payments/default/shared", "\"payments\"");
    put("config/payments/default/db/pool", "{\"max\":8}");
    put("config/application/prod/shared", "\"application-prod\"");
    put("config/payments/prod/db", "{\"pool\":{\"max\":32},\"url\":\"jdbc:postgresql://db/payments\"}");
    put("config/payments/prod/features", "[\"fast-refunds\",\"instant-payouts\"]");
    put("config/other/prod/secret", "\"not for payments\"");
    // The application's own token: read on config/ only.
    String token = readToken("config/");

    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(PaymentsApplication.class)
        .web(WebApplicationType.NONE)
        .run("--spring.application.name=payments",
            "--spring.profiles.active=prod",
            "--spring.config.import=configserver:http://127.0.0.1:" + port + "/config",
            "--spring.cloud.config.headers.Authorization=Bearer " + token,
            "--spring.cloud.config.fail-fast=true",
            "--spring.main.banner-mode=off")) {
      ConfigurableEnvironment env = context.getEnvironment();
      assertEquals("32", env.getProperty("db.pool.max"), "payments-prod over payments and application");
      assertEquals("1", env.getProperty("db.pool.min"), "from application, where nothing above sets it");
      assertEquals("jdbc:postgresql://db/payments", env.getProperty("db.url"));
      assertEquals("application-prod", env.getProperty("shared"), "application-prod over payments (no profile)");
      assertEquals("hello from application", env.getProperty("greeting"));
      assertEquals("fast-refunds", env.getProperty("features[0]"));
      assertEquals("instant-payouts", env.getProperty("features[1]"));
      assertEquals(null, env.getProperty("secret"), "another application's keys are not read");

      List<String> sources = new ArrayList<>();
      for (PropertySource<?> source : env.getPropertySources()) {
        if (source.getName().startsWith("configserver:")) {
          sources.add(source.getName());
        }
      }
      assertEquals(List.of("configserver:config/payments/prod/", "configserver:config/application/prod/",
          "configserver:config/payments/default/", "configserver:config/application/default/"), sources);

      // The client asks for the v2 media type: each value came with the key that set it.
      @SuppressWarnings("unchecked")
      OriginLookup<String> prod = (OriginLookup<String>) env.getPropertySources()
          .get("configserver:config/payments/prod/");
      assertTrue(String.valueOf(prod.getOrigin("db.pool.max")).contains("config/payments/prod/db"),
          () -> String.valueOf(prod.getOrigin("db.pool.max")));

      Pool pool = context.getBean(Pool.class);
      assertEquals(32, pool.max());

      put("config/payments/prod/db", "{\"pool\":{\"max\":64},\"url\":\"jdbc:postgresql://db/payments\"}");
      Set<String> changed = context.getBean(ContextRefresher.class).refresh();
      assertTrue(changed.contains("db.pool.max"), changed::toString);
      assertEquals("64", env.getProperty("db.pool.max"));
      assertEquals(64, pool.max(), "a @RefreshScope bean sees the new value");
      assertEquals("application-prod", env.getProperty("shared"));
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionError(e + "\nserver log:\n" + tail(), e);
    }
  }

  @SpringBootApplication
  static class PaymentsApplication {

    @Bean
    @RefreshScope
    Pool pool(@Value("${db.pool.max}") int max) {
      return new Pool(max);
    }
  }

  /** A bean built from a property, rebuilt on refresh. */
  static class Pool {
    private final int max;

    Pool(int max) {
      this.max = max;
    }

    int max() {
      return max;
    }
  }

  // ---- the server ------------------------------------------------------------------------------

  private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private void put(String key, String json) throws IOException, InterruptedException {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/v1/kv/" + key))
        .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(json)));
    assertTrue(r.statusCode() == 200 || r.statusCode() == 201, key + ": " + r.statusCode() + " " + r.body());
  }

  private String readToken(String prefix) throws IOException, InterruptedException {
    HttpResponse<String> r = send(HttpRequest.newBuilder(uri("/v1/tokens"))
        .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"payments-app\",\"roles\":[{\"role\":\"read\","
            + "\"prefix\":\"" + prefix + "\"}]}")));
    assertEquals(201, r.statusCode(), r.body());
    Matcher m = Pattern.compile("\"token\"\\s*:\\s*\"([^\"]+)\"").matcher(r.body());
    assertTrue(m.find(), r.body());
    return m.group(1);
  }

  private void awaitReady() throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        fail("the server exited with " + server.exitValue() + " before it was ready:\n" + tail());
      }
      try {
        if (send(HttpRequest.newBuilder(uri("/health/ready")).GET()).statusCode() == 200) {
          return;
        }
      } catch (ConnectException notYet) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    fail("the server was not ready within 60 s:\n" + tail());
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(workDir.resolve("server.log"));
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
