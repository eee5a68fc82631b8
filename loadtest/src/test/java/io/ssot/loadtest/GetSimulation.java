package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import io.gatling.javaapi.core.Simulation;

/**
 * (1) Single-key reads, HTTP/1.1: GET /v1/kv/{key} of random keys among {@code -Dkeys}, at
 * {@code -Drate} arrivals/s for {@code -Dduration} s. Asserts the seed floor.
 */
public class GetSimulation extends Simulation {
  {
    Config.banner("GET (HTTP/1.1)");
    setUp(scenario("GET single key, HTTP/1.1").exec(Requests.get("GET", Config.KEYS))
            .injectOpen(constantUsersPerSec(Config.RATE).during(Config.DURATION)))
        .protocols(Config.http())
        .assertions(Config.seedFloor());
  }

  @Override
  public void before() {
    Seed.keys(Requests.READ_PREFIX, Config.KEYS);
  }
}
