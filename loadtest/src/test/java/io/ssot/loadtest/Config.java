package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.util.ArrayList;
import java.util.List;

/**
 * Parameters (system properties) shared by every simulation, the HTTP protocol, the two load
 * phases and the seed-floor assertions of SPEC §8 ("every API call under 100 ms, over 1,000
 * ops/s").
 *
 * <p>Every load runs in two phases: a warm-up (group {@value #WARM_UP}) and then the measured
 * phase (group {@value #MEASURED}). A cold Gatling JVM answers its first seconds of requests
 * hundreds of milliseconds late, whatever the server (its HTTP client is still interpreted and
 * being compiled, and while responses lag, every arrival of the open model opens another
 * connection); the floor is a statement about the server in steady state, so it is asserted on
 * the measured phase only. The warm-up stays in the report under its own group.
 */
public final class Config {
  private Config() {}

  /** Target server, e.g. http://127.0.0.1:8080 (https://... for the HTTP/2 simulation). */
  public static final String BASE_URL = stripSlash(System.getProperty("baseUrl", "http://127.0.0.1:8080"));
  /** Arrivals per second (open model: each arrival is one virtual user doing one operation). */
  public static final double RATE = Double.parseDouble(prop("rate", prop("users", "1500")));
  /** Length of the measured phase (constant rate), seconds. */
  public static final int DURATION = Integer.getInteger("duration", 30);
  /** Seed floor: p99 response time must be below this, ms. */
  public static final int MAX_P99_MS = Integer.getInteger("maxP99Ms", 100);
  /** Seed floor: successful operations per second of the measured phase must be above this. */
  public static final double MIN_OPS = Double.parseDouble(prop("minOps", "1000"));
  /** Keys written before the run and read during it. */
  public static final int KEYS = Integer.getInteger("keys", 1000);
  /** Length of the warm-up phase before the measured one, seconds. */
  public static final int WARMUP = Integer.getInteger("warmup", 10);

  /** Group of the warm-up requests (not asserted on, but for failures). */
  public static final String WARM_UP = "warm-up";
  /** Group of the measured requests, the ones the floor is asserted on. */
  public static final String MEASURED = "measured";

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

  /**
   * The open-model load of one simulation: {@code chain} (one operation) per arrival, first in
   * group {@value #WARM_UP} for {@code warmup} s (arrivals ramped from a tenth of {@code rate} to
   * {@code rate} over the first half, then {@code rate}), then in group {@value #MEASURED} at
   * {@code rate} arrivals/s for {@code duration} s. The measured phase starts once every
   * warm-up request has been answered.
   */
  public static PopulationBuilder warmUpThenMeasure(String scenario, ChainBuilder chain) {
    return warmUp(scenario, chain).andThen(measured(scenario, chain));
  }

  /** The warm-up phase alone (see {@link #warmUpThenMeasure}). */
  public static PopulationBuilder warmUp(String scenario, ChainBuilder chain) {
    int ramp = Math.max(1, WARMUP / 2);
    return scenario(scenario + " (" + WARM_UP + ")").group(WARM_UP).on(chain)
        .injectOpen(rampUsersPerSec(RATE / 10).to(RATE).during(ramp),
            constantUsersPerSec(RATE).during(Math.max(1, WARMUP - ramp)));
  }

  /** The measured phase alone (see {@link #warmUpThenMeasure}). */
  public static PopulationBuilder measured(String scenario, ChainBuilder chain) {
    return scenario(scenario).group(MEASURED).on(chain)
        .injectOpen(constantUsersPerSec(RATE).during(DURATION));
  }

  /**
   * The seed floor on the measured phase: for each of {@code requests} (request names inside
   * group {@value #MEASURED}) p99 under {@code maxP99Ms}; more than {@code minOps} operations
   * per second of the measured phase succeeded (see {@link #throughput}); and no request of the
   * whole run failed, warm-up included.
   */
  public static List<Assertion> seedFloor(String... requests) {
    List<Assertion> floor = new ArrayList<>();
    for (String request : requests) {
      floor.add(p99UnderFloor(MEASURED, request));
    }
    floor.add(throughput(DURATION, MEASURED));
    floor.add(global().failedRequests().count().is(0L));
    return floor;
  }

  /** p99 of the requests (or group) at {@code path} under {@code maxP99Ms}. */
  public static Assertion p99UnderFloor(String... path) {
    return details(path).responseTime().percentile(99.0).lt(MAX_P99_MS);
  }

  /**
   * More than {@code minOps} successful operations per second over {@code seconds} of load:
   * more than minOps x seconds successes at {@code path}. Gatling's own requestsPerSec divides
   * by the length of the whole run, warm-up included, so it cannot be asserted per phase. With
   * an open model the offered rate is fixed; together with the p99 assertion this shows that the
   * server kept up with it rather than queueing it.
   */
  public static Assertion throughput(long seconds, String... path) {
    return details(path).successfulRequests().count().gt((long) Math.floor(MIN_OPS * seconds));
  }

  public static void banner(String what) {
    System.out.printf("%s: baseUrl=%s rate=%.0f/s warm-up=%ds duration=%ds floor: p99<%dms, >%.0f ops/s%n",
        what, BASE_URL, RATE, WARMUP, DURATION, MAX_P99_MS, MIN_OPS);
  }

  static String prop(String name, String def) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() ? def : v;
  }

  private static String stripSlash(String s) {
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
