package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.util.List;

/**
 * Parameters (system properties) shared by every simulation, the HTTP protocol and the seed-floor
 * assertions of SPEC §8 ("every API call under 100 ms, over 1,000 ops/s").
 */
public final class Config {
  private Config() {}

  /** Target server, e.g. http://127.0.0.1:8080 (https://... for the HTTP/2 simulation). */
  public static final String BASE_URL = stripSlash(System.getProperty("baseUrl", "http://127.0.0.1:8080"));
  /** Arrivals per second (open model: each arrival is one virtual user doing one operation). */
  public static final double RATE = Double.parseDouble(prop("rate", prop("users", "1500")));
  /** Length of the constant-rate phase, seconds. */
  public static final int DURATION = Integer.getInteger("duration", 30);
  /** Seed floor: p99 response time must be below this, ms. */
  public static final int MAX_P99_MS = Integer.getInteger("maxP99Ms", 100);
  /** Seed floor: mean throughput must be above this, requests per second. */
  public static final double MIN_OPS = Double.parseDouble(prop("minOps", "1000"));
  /** Keys written before the run and read during it. */
  public static final int KEYS = Integer.getInteger("keys", 1000);

  /** Bearer token for every request: -Dtoken, else $SSOT_ADMIN_TOKEN, else the loadtest scripts' default. */
  public static final String TOKEN = System.getProperty("token",
      System.getenv().getOrDefault("SSOT_ADMIN_TOKEN", "loadtest-admin-token-0123456789"));

  public static HttpProtocolBuilder http() {
    return http.baseUrl(BASE_URL)
        .authorizationHeader("Bearer " + TOKEN)
        .acceptHeader("application/json")
        .contentTypeHeader("application/json")
        .shareConnections()
        .disableCaching()
        .disableWarmUp();
  }

  /** The seed floor, as Gatling assertions over every request of the run. */
  public static List<Assertion> seedFloor() {
    return List.of(
        global().responseTime().percentile(99.0).lt(MAX_P99_MS),
        global().requestsPerSec().gt(MIN_OPS),
        global().failedRequests().count().is(0L));
  }

  public static void banner(String what) {
    System.out.printf("%s: baseUrl=%s rate=%.0f/s duration=%ds floor: p99<%dms, >%.0f ops/s%n",
        what, BASE_URL, RATE, DURATION, MAX_P99_MS, MIN_OPS);
  }

  static String prop(String name, String def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : v;
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
