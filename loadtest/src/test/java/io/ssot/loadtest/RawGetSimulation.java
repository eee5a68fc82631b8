package io.ssot.loadtest;

import io.gatling.javaapi.core.Simulation;

/** (2) Raw reads: GET /v1/kv/{key}?raw=true (the value bytes alone). Asserts the seed floor. */
public class RawGetSimulation extends Simulation {
  {
    Config.banner("GET raw");
    setUp(Config.warmUpThenMeasure("GET raw", Requests.raw(Config.KEYS)))
        .protocols(Config.http())
        .assertions(Config.seedFloor("GET raw"));
  }

  @Override
  public void before() {
    Seed.keys(Requests.READ_PREFIX, Config.KEYS);
  }
}
