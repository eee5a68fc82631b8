package io.ssot.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.Http;
import io.ssot.ServerExtension;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Grafana dashboard of docker/ against what a real server exports: a node in cluster mode
 * with PostgreSQL (so the cluster and write-behind metrics exist), after some requests (request
 * timers are created by the first request of each route and status), scraped at /metrics. Every
 * metric a panel or variable queries must be there under that exact sample name, and every label
 * a selector matches on must be on it (with the value, for an equality).
 */
class DashboardMetricsTest {

  /** Labels Prometheus adds to every series it scrapes, not the server. */
  private static final Set<String> TARGET_LABELS = Set.of("instance", "job");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([A-Za-z_:][A-Za-z0-9_:]*)\\s*,");

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().postgres().setting("cluster.enabled", "true").build();

  @Test
  void everySeriesTheDashboardQueriesIsExported() throws IOException, InterruptedException {
    Http http = server.http();
    assertEquals(201, putOnceLeading(http, "/v1/kv/dash/a", "{\"n\":1}").status());
    assertEquals(200, http.get("/v1/kv/dash/a").status());
    assertEquals(404, http.get("/v1/kv/dash/missing").status());
    assertEquals(200, http.get("/v1/kv?prefix=dash/").status());
    Http.Response scrape = http.get("/metrics");
    assertEquals(200, scrape.status());
    Exposition exported = new Exposition(scrape.body().toString());

    List<String> queries = queries();
    List<String> problems = new ArrayList<>();
    Set<String> checked = new TreeSet<>();
    for (String query : queries) {
      List<String> names = metricNames(query);
      assertFalse(names.isEmpty(), "a query that reads no metric: " + query);
      for (String name : names) {
        checked.add(name);
        if (!exported.has(name)) {
          problems.add(name + " is not exported (in " + query + ")");
        }
      }
      for (PromQl.Selector selector : PromQl.selectors(query)) {
        selector.labels().forEach((label, matcher) -> {
          if (TARGET_LABELS.contains(label)) {
            return;
          }
          List<Map<String, String>> sets = exported.labelSets(selector.metric());
          boolean found = matcher.operator().equals("=")
              ? sets.stream().anyMatch(s -> matcher.value().equals(s.get(label)))
              : sets.stream().anyMatch(s -> s.containsKey(label));
          if (!found) {
            problems.add(selector.metric() + " has no label " + label + matcher.operator() + "\"" + matcher.value()
                + "\" (in " + query + ")");
          }
        });
      }
    }
    System.out.printf("dashboard: %d queries read %d metrics, all among the %d sample names exported: %s%n",
        queries.size(), checked.size(), exported.names(), checked);
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  /** A node that has just started answers writes 503 (nothing applied) until it holds the leader's lock. */
  private static Http.Response putOnceLeading(Http http, String path, String body) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Http.Response r = http.put(path, body);
    while (r.status() == 503 && System.nanoTime() < deadline) {
      Thread.sleep(100);
      r = http.put(path, body);
    }
    return r;
  }

  /** The reading of queries above finds every metric, whatever surrounds it. */
  @Test
  void theQueryReaderFindsEveryMetricAndNothingElse() {
    assertEquals(List.of("a_bucket"), PromQl.metricNames(
        "histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket{code=~\"[45]..\", x=\"}\"}[$__rate_interval])))"));
    assertEquals(List.of("a_total", "b", "c"), PromQl.metricNames(
        "sum(rate(a_total[5m])) by (route) / on(instance) group_left b - ignoring(x) c offset 5m"));
    assertEquals(List.of("a", "b"), PromQl.metricNames("a > bool 1 and b unless inf"));
    PromQl.Selector s = PromQl.selectors("max(a{area=\"heap\", instance=~\"$instance\"})").get(0);
    assertEquals("a", s.metric());
    assertEquals(new PromQl.LabelMatcher("=", "heap"), s.labels().get("area"));
    assertEquals(new PromQl.LabelMatcher("=~", "$instance"), s.labels().get("instance"));
  }

  /** Every panel's PromQL and every variable's query. */
  private static List<String> queries() throws IOException {
    JsonNode dashboard = DockerFiles.json(DockerFiles.DASHBOARD);
    List<String> queries = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> queries.add(e.asText()));
    dashboard.get("templating").get("list").forEach(v -> queries.add(v.get("definition").asText()));
    assertFalse(queries.isEmpty(), "the dashboard has queries");
    return queries;
  }

  /** A variable's {@code label_values(metric, label)} reads one metric; a panel's query is PromQL. */
  private static List<String> metricNames(String query) {
    Matcher m = LABEL_VALUES.matcher(query);
    return m.lookingAt() ? List.of(m.group(1)) : PromQl.metricNames(query);
  }
}
