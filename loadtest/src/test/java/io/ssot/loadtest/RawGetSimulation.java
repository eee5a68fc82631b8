package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import io.gatling.javaapi.core.Simulation;

/** (2) Raw reads: GET /v1/kv/{key}?raw=true (the value bytes alone). Asserts the seed floor. */
public class RawGetSimulation extends Simulation {
  {
    Config.banner("GET raw");
    setUp(scenario("GET raw").exec(Requests.raw(Config.KEYS))
            .injectOpen(constantUsersPerSec(Config.RATE).during(Config.DURATION)))
        .protocols(Config.http())
        .assertions(Config.seedFloor());
  }

  @Override
  public void before() {
    Seed.keys(Requests.READ_PREFIX, Config.KEYS);
  }
}
