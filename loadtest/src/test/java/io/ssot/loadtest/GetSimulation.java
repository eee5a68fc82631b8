package io.ssot.loadtest;

import io.gatling.javaapi.core.Simulation;

/**
 * (1) Single-key reads, HTTP/1.1: GET /v1/kv/{key} of random keys among {@code -Dkeys}, at
 * {@code -Drate} arrivals/s for {@code -Dduration} s after a warm-up. Asserts the seed floor.
 */
public class GetSimulation extends Simulation {
  {
    Config.banner("GET (HTTP/1.1)");
    setUp(Config.warmUpThenMeasure("GET single key, HTTP/1.1", Requests.get("GET", Config.KEYS)))
        .protocols(Config.http())
        .assertions(Config.seedFloor("GET"));
  }

  @Override
  public void before() {
    Seed.keys(Requests.READ_PREFIX, Config.KEYS);
  }
}
