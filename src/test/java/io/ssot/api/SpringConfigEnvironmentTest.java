package io.ssot.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.ssot.store.ChangeLog;
import io.ssot.store.Entry;
import io.ssot.store.InMemoryKvStore;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** {@link SpringEnvironment} and the path parsing of {@link SpringConfigRoutes}, without a server. */
class SpringConfigEnvironmentTest {

  static {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  private static Entry entry(String key, String json) {
    return new Entry(key, json.getBytes(StandardCharsets.UTF_8), 1, 1, 1, 0, 0, "me");
  }

  private static SpringEnvironment.Budget budget() {
    return new SpringEnvironment.Budget(1000, 1 << 20);
  }

  private static SpringEnvironment.Source source(String layer, String... keysAndValues) {
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      entries.add(entry(keysAndValues[i], keysAndValues[i + 1]));
    }
    return SpringEnvironment.source(layer, entries, budget());
  }

  private static Map<String, String> flat(SpringEnvironment.Source source) {
    Map<String, String> out = new java.util.LinkedHashMap<>();
    source.properties().forEach((k, v) -> out.put(k, v.value().asText()));
    return out;
  }

  @Test
  void layersAreTheProfilesLastNamedFirstThenTheBase() {
    assertEquals(List.of("config/payments/prod", "config/application/prod", "config/payments/default",
        "config/application/default"), SpringEnvironment.layers("payments", List.of("prod")));
    assertEquals(List.of("config/payments/eu", "config/application/eu", "config/payments/prod",
        "config/application/prod", "config/payments/default", "config/application/default"),
        SpringEnvironment.layers("payments", List.of("prod", "eu")));
    assertEquals(List.of("config/payments/prod", "config/application/prod", "config/payments/default",
        "config/application/default"), SpringEnvironment.layers("payments", List.of("default", "prod", "prod")));
    assertEquals(List.of("config/application/prod", "config/application/default"),
        SpringEnvironment.layers("application", List.of("prod")));
  }

  @Test
  void valuesFlattenAsSpringFlattensYaml() {
    SpringEnvironment.Source s = source("config/p/prod",
        "config/p/prod/top", "{\"a\":[1,{\"b\":true}],\"empty\":[],\"none\":null,\"nothing\":{}}",
        "config/p/prod/db", "{\"pool\":{\"max\":32},\"url\":\"jdbc:x\"}",
        "config/p/prod/db/url", "\"jdbc:y\"",
        "config/p/prod/list", "[[1,2],[3]]",
        "config/p/prod/log.level", "\"debug\"");
    assertEquals("config/p/prod/", s.name());
    assertEquals(Map.of("top.a[0]", "1", "top.a[1].b", "true", "top.empty", "", "top.none", "",
        "db.pool.max", "32", "db.url", "jdbc:y", "list[0][0]", "1", "list[0][1]", "2", "list[1][0]", "3",
        "log.level", "debug"), flat(s));
    assertEquals("config/p/prod/db/url", s.properties().get("db.url").origin(), "the deeper key wins");
  }

  @Test
  void theBudgetBoundsPropertiesAndBytes() {
    ApiException e = assertThrows(ApiException.class, () -> SpringEnvironment.source("config/p/prod",
        List.of(entry("config/p/prod/a", "[1,2,3,4,5]")), new SpringEnvironment.Budget(4, 1 << 20)));
    assertEquals(Problem.ENVIRONMENT_TOO_LARGE, e.problem());
    assertEquals(422, e.status());
    assertThrows(ApiException.class, () -> SpringEnvironment.source("config/p/prod",
        List.of(entry("config/p/prod/a", "\"" + "x".repeat(500) + "\"")), new SpringEnvironment.Budget(100, 400)));
  }

  @Test
  void mergingTakesEachNameFromTheTopAndAnArrayWhole() {
    List<SpringEnvironment.Source> sources = List.of(
        source("config/p/prod", "config/p/prod/hosts", "[\"a\"]", "config/p/prod/spring", "{\"profiles\":\"p\"}",
            "config/p/prod/x", "1"),
        source("config/p/default", "config/p/default/hosts", "[\"b\",\"c\",\"d\"]", "config/p/default/x", "2",
            "config/p/default/y", "3"));
    var merged = SpringEnvironment.merged(sources);
    assertEquals(List.of("hosts[0]", "x", "y"), List.copyOf(merged.keySet()), "spring.profiles is left out");
    assertEquals("a", merged.get("hosts[0]").asText());
    assertEquals("hosts[0]: a\nx: 1\ny: 3", SpringEnvironment.properties(merged));
    assertEquals("{\"hosts\":[\"a\"],\"x\":1,\"y\":3}", new String(SpringEnvironment.json(merged), StandardCharsets.UTF_8));
    Map<String, Object> yaml = new Yaml().load(SpringEnvironment.yaml(merged));
    assertEquals(Map.of("hosts", List.of("a"), "x", 1, "y", 3), yaml);
  }

  @Test
  void namesThatDoNotNestCleanlyStayNamesAndNoNameGrowsAList() {
    var merged = SpringEnvironment.merged(List.of(source("config/p/prod", "config/p/prod/w",
        "{\"a\":1,\"a.b\":2,\"big[99999999]\":3,\"odd[x]\":4,\"c[0]z\":5,\"\":6}")));
    String json = new String(SpringEnvironment.json(merged), StandardCharsets.UTF_8);
    assertEquals("{\"w\":{\"\":6,\"a\":{\"b\":2},\"big[99999999]\":3,\"c[0]z\":5,\"odd[x]\":4}}", json);
    assertTrue(SpringEnvironment.yaml(merged).contains("big[99999999]"));
    // A lone document is written as itself.
    var document = SpringEnvironment.merged(List.of(source("config/p/prod", "config/p/prod/document",
        "[\"a\",\"b\"]")));
    assertEquals(List.of("a", "b"), new Yaml().load(SpringEnvironment.yaml(document)));
  }

  @Test
  void pathsMapAsSpringCloudConfigsController() {
    assertEquals(new SpringConfigRoutes.Ask("payments", List.of("prod"), null, SpringConfigRoutes.Format.ENVIRONMENT),
        SpringConfigRoutes.parse("/config/payments/prod"));
    assertEquals(new SpringConfigRoutes.Ask("payments", List.of("prod", "eu"), "main",
        SpringConfigRoutes.Format.ENVIRONMENT), SpringConfigRoutes.parse("/config/payments/prod,eu/main"));
    assertEquals(new SpringConfigRoutes.Ask("my-app", List.of("prod"), null, SpringConfigRoutes.Format.YAML),
        SpringConfigRoutes.parse("/config/my-app-prod.yaml"));
    assertEquals(new SpringConfigRoutes.Ask("payments", List.of("prod"), "main", SpringConfigRoutes.Format.PROPERTIES),
        SpringConfigRoutes.parse("/config/main/payments-prod.properties"));
    assertEquals(new SpringConfigRoutes.Ask("payments", List.of("prod"), null, SpringConfigRoutes.Format.JSON),
        SpringConfigRoutes.parse("/config/payments-prod.json"));
    assertEquals(Problem.INVALID_PARAMETER, assertThrows(ApiException.class,
        () -> SpringConfigRoutes.parse("/config/pay%2Fments/prod")).problem());
    assertEquals(Problem.NOT_FOUND, assertThrows(ApiException.class,
        () -> SpringConfigRoutes.parse("/config/payments.yml")).problem());
    assertTrue(SpringConfigRoutes.accepts("application/json, Application/VND.spring-cloud.config-server.v2+json;q=0.9",
        SpringConfigRoutes.V2_JSON));
    assertTrue(!SpringConfigRoutes.accepts("application/json", SpringConfigRoutes.V2_JSON));
  }
  @Test
  void aReadThatCommitsKeepOverlappingIsCorrectedToOneRevision(@TempDir Path dir) throws Exception {
    try (MvccStore store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(),
        ChangeLog.open(dir, 4 << 20, 1), false, System::currentTimeMillis)) {
      store.listingReady().join();
      List<String> layers = List.of("config/p/prod", "config/p/default");
      store.put("config/p/prod/a", json(0), Precondition.NONE, "me");
      store.put("config/p/default/b", json(0), Precondition.NONE, "me");
      store.put("config/p/default/c", json(0), Precondition.NONE, "me");
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> writerFailed = new AtomicReference<>();
      // In turn: a = n, b = n, c deleted, c = n. At any revision a >= b >= c, and c is absent only when a == b.
      Thread writer = new Thread(() -> {
        try {
          for (long n = 1; !stop.get() && n < 100_000; n++) {
            store.put("config/p/prod/a", json(n), Precondition.NONE, "me");
            store.put("config/p/default/b", json(n), Precondition.NONE, "me");
            store.delete("config/p/default/c", Precondition.NONE, "me");
            store.put("config/p/default/c", json(n), Precondition.NONE, "me");
          }
        } catch (Throwable t) {
          writerFailed.set(t);
        }
      });
      writer.start();
      try {
        for (int i = 0; i < 3000; i++) {
          // No plain attempt: always the corrected read (however far this thread falls behind the writer).
          SpringConfigRoutes.Snapshot s = SpringConfigRoutes.read(store, layers, 100, 1 << 20, 0, Long.MAX_VALUE);
          assertEquals(1, s.layers().get(0).size(), s::toString);
          Entry a = s.layers().get(0).get(0);
          List<Entry> base = s.layers().get(1);
          Entry b = base.get(0);
          Entry c = base.size() > 1 ? base.get(1) : null;
          assertEquals("config/p/default/b", b.key());
          long va = value(a);
          long vb = value(b);
          assertTrue(va == vb || va == vb + 1, va + " " + vb);
          if (c == null) {
            assertEquals(va, vb, "c is deleted only after b is written");
          } else {
            assertTrue(vb == value(c) || vb == value(c) + 1, vb + " " + value(c));
            assertTrue(c.revision() <= s.revision());
          }
          assertTrue(a.revision() <= s.revision() && b.revision() <= s.revision());
          long latest = Math.max(a.revision(), Math.max(b.revision(), c == null ? 0 : c.revision()));
          assertTrue(latest == s.revision() || c == null, "the newest change read is the revision said");
        }
      } finally {
        stop.set(true);
        writer.join();
      }
      assertEquals(null, writerFailed.get());
    }
  }

  private static byte[] json(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  private static long value(Entry e) {
    return Long.parseLong(new String(e.value(), StandardCharsets.US_ASCII));
  }
}
