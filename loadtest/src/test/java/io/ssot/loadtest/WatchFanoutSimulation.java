package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * (6) WebSocket watch fan-out: {@code -Dsubscribers} (N, default 100) virtual users each open a
 * WebSocket on /v1/watch and watch one key; after {@code -DwatchSetup} s (default 3) writers PUT
 * that key at {@code -DwriteRate} (M, default 20) writes/s for {@code -Dduration} s, each value
 * holding {@code "t": System.currentTimeMillis()} taken when the request is built. Every watcher
 * drains its received frames every 100 ms and {@link DeliveryLatency} records, per event,
 * receive time minus t. The same fan-out on another key for {@code -Dwarmup} s comes first
 * (group "warm-up", deliveries not recorded); the measured one (group "measured") follows.
 *
 * <p>Gatling assertions on the measured phase: p99 &lt; maxP99Ms for the WebSocket connect, the
 * watch confirmation and the PUTs; per watcher one check "WS deliveries: all, p99 under floor"
 * (on the reply to its cancel) that fails unless the watcher received every successful write, no
 * error frame, and fewer than 1% of its deliveries took maxP99Ms or more; all N of them pass;
 * successful writes x N (the deliveries) over the measured phase above minOps per second; and no
 * request of the run failed. After the run the whole-run delivery figures are printed (p50/p99/max
 * latency, deliveries/s); those are a custom metric and are not in the HTML report.
 */
public class WatchFanoutSimulation extends Simulation {
  static final int SUBSCRIBERS = Integer.getInteger("subscribers", 100);
  static final double WRITE_RATE = Double.parseDouble(Config.prop("writeRate", "20"));
  static final int SETUP = Integer.getInteger("watchSetup", 3);
  static final int DRAIN_AFTER = Integer.getInteger("watchDrain", 3);
  static final String KEY = "lt/watch/fanout";
  static final String WARM_KEY = "lt/watch/warm-up";
  static final String PUT = "PUT watched key";
  static final String WATCH_CREATED = "WS watch created";
  static final String VERDICT = "WS deliveries: all, p99 under floor";

  /** Hands the frames received since the last drain to DeliveryLatency; keeps this watcher's tally. */
  static ChainBuilder drain() {
    return exec(ws.processUnmatchedMessages((messages, session) -> {
      long events = session.getLong("events"), slow = session.getLong("slow"), errors = session.getLong("errors");
      for (WsInboundMessage m : messages) {
        if (m instanceof WsInboundMessage.Text t) {
          long[] tally = DeliveryLatency.frame(t.timestamp(), t.message(), Config.MAX_P99_MS);
          events += tally[0];
          slow += tally[1];
          errors += tally[2];
        }
      }
      return session.set("events", events).set("slow", slow).set("errors", errors);
    }));
  }

  /**
   * This watcher's verdict, checked on the reply to its cancel so that it shows in Gatling's
   * report: it received every successful write, no error frame, and at most 1% of its
   * deliveries took maxP99Ms or more (so its p99 is under maxP99Ms).
   */
  static String verdict(Session s) {
    long events = s.getLong("events"), slow = s.getLong("slow"), errors = s.getLong("errors");
    long writes = DeliveryLatency.WRITES_OK.get();
    if (events != writes || errors > 0 || slow * 100 > events) {
      return "received " + events + " of " + writes + " writes, " + slow + " at or over "
          + Config.MAX_P99_MS + " ms, " + errors + " error frames";
    }
    return "ok";
  }

  /**
   * {@code SUBSCRIBERS} watchers of {@code key} in group {@code phase}, each for watchSetup +
   * {@code seconds} + watchDrain s; measured watchers hand every frame to DeliveryLatency and
   * end with their verdict, warm-up watchers drop theirs.
   */
  static PopulationBuilder watchers(String phase, String key, int seconds) {
    boolean measured = phase.equals(Config.MEASURED);
    ChainBuilder drain = measured ? drain() : exec(ws.processUnmatchedMessages((messages, session) -> session));
    var cancel = ws("WS cancel").sendText("{\"op\":\"cancel\",\"id\":\"w1\"}");
    return scenario("watchers (" + phase + ")").group(phase).on(
        exec(s -> s.set("events", 0L).set("slow", 0L).set("errors", 0L))
            .exec(ws("WS connect").connect("/v1/watch"))
            .exec(ws("WS watch").sendText("{\"op\":\"watch\",\"id\":\"w1\",\"key\":\"" + key + "\"}")
                .await(10).on(ws.checkTextMessage(WATCH_CREATED)
                    .matching(jsonPath("$.created").exists())
                    .check(jsonPath("$.created").is("true"))))
            .during(Duration.ofSeconds(SETUP + seconds + DRAIN_AFTER)).on(pause(Duration.ofMillis(100)).exec(drain))
            .exec(drain)
            .exec(measured
                ? cancel.await(10).on(ws.checkTextMessage(VERDICT)
                    .matching(jsonPath("$.canceled").exists())
                    .check(jsonPath("$.canceled").transformWithSession((v, s) -> verdict(s)).is("ok")))
                : cancel)
            .exec(ws("WS close").close()))
        .injectOpen(rampUsers(SUBSCRIBERS).during(1));
  }

  /** PUTs of {@code key} at writeRate for {@code seconds} s after watchSetup s, in group {@code phase}. */
  static PopulationBuilder writers(String phase, String key, int seconds) {
    boolean measured = phase.equals(Config.MEASURED);
    return scenario("writers (" + phase + ")").group(phase).on(
        exec(http(PUT)
            .put("/v1/kv/" + key)
            .body(StringBody(s -> "{\"t\":" + System.currentTimeMillis() + ",\"service\":\"payments\"}"))
            .check(status().in(200, 201)))
        .doIf(session -> measured && !session.isFailed()).then(exec(s -> {
          DeliveryLatency.WRITES_OK.incrementAndGet();
          return s;
        })))
        .injectOpen(nothingFor(SETUP), constantUsersPerSec(WRITE_RATE).during(seconds));
  }

  {
    System.out.printf("watch fan-out: baseUrl=%s subscribers=%d writeRate=%.0f/s warm-up=%ds duration=%ds%n",
        Config.BASE_URL, SUBSCRIBERS, WRITE_RATE, Config.WARMUP, Config.DURATION);
    // The warm-up is the same fan-out on another key; the measured one starts when its
    // watchers (the last to finish) are done.
    setUp(
        watchers(Config.WARM_UP, WARM_KEY, Config.WARMUP).andThen(
            watchers(Config.MEASURED, KEY, Config.DURATION),
            writers(Config.MEASURED, KEY, Config.DURATION)),
        writers(Config.WARM_UP, WARM_KEY, Config.WARMUP))
        .protocols(Config.http()
            .wsBaseUrl(Config.BASE_URL.replaceFirst("^http", "ws"))
            .wsUnmatchedInboundMessageBufferSize(100_000))
        .assertions(
            Config.p99UnderFloor(Config.MEASURED, "WS connect"),
            Config.p99UnderFloor(Config.MEASURED, WATCH_CREATED),
            Config.p99UnderFloor(Config.MEASURED, PUT),
            details(Config.MEASURED, VERDICT).successfulRequests().count().is((long) SUBSCRIBERS),
            // Each watcher's verdict says it got every successful write, so deliveries = writes x N:
            // more than minOps deliveries/s over the measured phase.
            details(Config.MEASURED, PUT).successfulRequests().count()
                .gt((long) Math.floor(Config.MIN_OPS * Config.DURATION / SUBSCRIBERS)),
            global().failedRequests().count().is(0L));
  }

  @Override
  public void after() {
    long writes = DeliveryLatency.WRITES_OK.get();
    long expected = writes * SUBSCRIBERS;
    long got = DeliveryLatency.count();
    long p50 = DeliveryLatency.percentile(50), p99 = DeliveryLatency.percentile(99),
        max = DeliveryLatency.percentile(100);
    double rate = DeliveryLatency.perSecond();
    System.out.printf("%n==== watch delivery (custom metric, not in the HTML report) ====%n"
        + "writes ok %d, subscribers %d, deliveries %d of %d expected, error frames %d%n"
        + "delivery latency ms: p50 %d, p99 %d, max %d; deliveries/s %.0f%n",
        writes, SUBSCRIBERS, got, expected, DeliveryLatency.errors(), p50, p99, max, rate);
    StringBuilder ko = new StringBuilder();
    if (got != expected) ko.append(" deliveries ").append(got).append(" != ").append(expected).append(';');
    if (DeliveryLatency.errors() > 0) ko.append(" error frames;");
    if (p99 < 0 || p99 >= Config.MAX_P99_MS) ko.append(" p99 ").append(p99).append(" ms >= ").append(Config.MAX_P99_MS).append(';');
    if (rate <= Config.MIN_OPS) ko.append(" deliveries/s ").append((long) rate).append(" <= ").append((long) Config.MIN_OPS).append(';');
    System.out.println("watch delivery, whole run: " + (ko.length() == 0 ? "OK" : "KO:" + ko)
        + " (each watcher's own check is the \"WS deliveries\" request in the report)");
  }
}
