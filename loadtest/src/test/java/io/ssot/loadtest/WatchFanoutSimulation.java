package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.ChainBuilder;
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
 * <p>Gatling assertions (report): the writes and the watch set-up meet p99 &lt; 100 ms and no
 * request fails. The delivery side is checked after the run: p99 delivery latency &lt; maxP99Ms,
 * deliveries/s &gt; minOps (N x M, so the default 2,000/s is above the floor), no error frame, and
 * every successful write reached every watcher (N x writes events); any miss fails the run.
 */
public class WatchFanoutSimulation extends Simulation {
  static final int SUBSCRIBERS = Integer.getInteger("subscribers", 100);
  static final double WRITE_RATE = Double.parseDouble(Config.prop("writeRate", "20"));
  static final int SETUP = Integer.getInteger("watchSetup", 3);
  static final int DRAIN_AFTER = Integer.getInteger("watchDrain", 3);
  static final String KEY = "lt/watch/fanout";

  static ChainBuilder drain() {
    return exec(ws.processUnmatchedMessages((messages, session) -> {
      for (WsInboundMessage m : messages) {
        if (m instanceof WsInboundMessage.Text t) {
          DeliveryLatency.frame(t.timestamp(), t.message());
        }
      }
      return session;
    }));
  }

  {
    System.out.printf("watch fan-out: baseUrl=%s subscribers=%d writeRate=%.0f/s duration=%ds%n",
        Config.BASE_URL, SUBSCRIBERS, WRITE_RATE, Config.DURATION);
    int watchFor = SETUP + Config.DURATION + DRAIN_AFTER;

    var watchers = scenario("watchers")
        .exec(ws("WS connect").connect("/v1/watch"))
        .exec(ws("WS watch").sendText("{\"op\":\"watch\",\"id\":\"w1\",\"key\":\"" + KEY + "\"}")
            .await(10).on(ws.checkTextMessage("WS watch created")
                .matching(jsonPath("$.created").exists())
                .check(jsonPath("$.created").is("true"))))
        .during(Duration.ofSeconds(watchFor)).on(pause(Duration.ofMillis(100)).exec(drain()))
        .exec(drain())
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
    if (ko.length() > 0) {
      System.out.println("watch delivery assertions: KO:" + ko);
      throw new AssertionError("watch delivery assertions failed:" + ko);
    }
    System.out.println("watch delivery assertions: OK");
  }
}
