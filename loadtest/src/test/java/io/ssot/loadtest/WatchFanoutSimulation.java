package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/**
 * (6) WebSocket watch fan-out: {@code -Dsubscribers} (N, default 100) virtual users each open a
 * WebSocket on /v1/watch and watch one key; after {@code -DwatchSetup} s (default 3) writers PUT
 * that key at {@code -DwriteRate} (M, default 20) writes/s for {@code -Dduration} s, each value
 * holding {@code "t": System.currentTimeMillis()} taken when the request is built. Every watcher
 * drains its received frames every 100 ms and {@link DeliveryLatency} records, per event,
 * receive time minus t.
 *
 * <p>Gatling assertions (report): every request meets p99 &lt; 100 ms and none fails; the
 * requests are the WebSocket connect/watch/cancel, the PUTs, and per watcher one check
 * "WS deliveries: all, p99 under floor" (on the reply to its cancel) that fails unless the watcher
 * received every successful write, no error frame, and at most 1% of its deliveries took 100 ms or
 * more. After the run the whole-run delivery figures are printed (p50/p99/max latency,
 * deliveries/s, which must exceed minOps: N x M = 2,000/s by default); those figures are a custom
 * metric and are not in the HTML report.
 */
public class WatchFanoutSimulation extends Simulation {
  static final int SUBSCRIBERS = Integer.getInteger("subscribers", 100);
  static final double WRITE_RATE = Double.parseDouble(Config.prop("writeRate", "20"));
  static final int SETUP = Integer.getInteger("watchSetup", 3);
  static final int DRAIN_AFTER = Integer.getInteger("watchDrain", 3);
  static final String KEY = "lt/watch/fanout";

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

  {
    System.out.printf("watch fan-out: baseUrl=%s subscribers=%d writeRate=%.0f/s duration=%ds%n",
        Config.BASE_URL, SUBSCRIBERS, WRITE_RATE, Config.DURATION);
    int watchFor = SETUP + Config.DURATION + DRAIN_AFTER;

    var watchers = scenario("watchers")
        .exec(s -> s.set("events", 0L).set("slow", 0L).set("errors", 0L))
        .exec(ws("WS connect").connect("/v1/watch"))
        .exec(ws("WS watch").sendText("{\"op\":\"watch\",\"id\":\"w1\",\"key\":\"" + KEY + "\"}")
            .await(10).on(ws.checkTextMessage("WS watch created")
                .matching(jsonPath("$.created").exists())
                .check(jsonPath("$.created").is("true"))))
        .during(Duration.ofSeconds(watchFor)).on(pause(Duration.ofMillis(100)).exec(drain()))
        .exec(drain())
        .exec(ws("WS cancel").sendText("{\"op\":\"cancel\",\"id\":\"w1\"}")
            .await(10).on(ws.checkTextMessage("WS deliveries: all, p99 under floor")
                .matching(jsonPath("$.canceled").exists())
                .check(jsonPath("$.canceled").transformWithSession((v, s) -> verdict(s)).is("ok"))))
        .exec(ws("WS close").close());

    var writers = scenario("writers")
        .exec(http("PUT watched key")
            .put("/v1/kv/" + KEY)
            .body(StringBody(s -> "{\"t\":" + System.currentTimeMillis() + ",\"service\":\"payments\"}"))
            .check(status().in(200, 201)))
        .doIf(session -> !session.isFailed()).then(exec(s -> {
          DeliveryLatency.WRITES_OK.incrementAndGet();
          return s;
        }));


    setUp(
        watchers.injectOpen(rampUsers(SUBSCRIBERS).during(1)),
        writers.injectOpen(nothingFor(SETUP), constantUsersPerSec(WRITE_RATE).during(Config.DURATION)))
        .protocols(Config.http()
            .wsBaseUrl(Config.BASE_URL.replaceFirst("^http", "ws"))
            .wsUnmatchedInboundMessageBufferSize(100_000))
        .assertions(
            global().responseTime().percentile(99.0).lt(Config.MAX_P99_MS),
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
