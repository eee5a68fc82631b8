package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import java.util.Arrays;

/**
 * (4) Writes: PUT /v1/kv/{key}?durability=D of random keys among {@code -Dkeys}, one scenario per
 * durability in {@code -Ddurability} (default "local,sync"), each at {@code -Drate} arrivals/s, run
 * one after the other so their figures do not mix. Request names are "PUT durability=local" and
 * "PUT durability=sync"; the seed floor is asserted globally and for each durability.
 */
public class PutSimulation extends Simulation {
  static final String[] DURABILITIES = Config.prop("durability", "local,sync").split(",");

  {
    Config.banner("PUT " + Arrays.toString(DURABILITIES));
    PopulationBuilder chain = null;
    for (String d : DURABILITIES) {
      PopulationBuilder p = scenario("PUT durability=" + d).exec(Requests.put(d.trim(), Config.KEYS))
          .injectOpen(constantUsersPerSec(Config.RATE).during(Config.DURATION));
      chain = chain == null ? p : chain.andThen(p);
    }
    var assertions = new java.util.ArrayList<>(Config.seedFloor());
    for (String d : DURABILITIES) {
      assertions.add(details("PUT durability=" + d.trim()).responseTime().percentile(99.0).lt(Config.MAX_P99_MS));
      assertions.add(details("PUT durability=" + d.trim()).requestsPerSec().gt(Config.MIN_OPS / DURABILITIES.length));
    }
    setUp(chain).protocols(Config.http()).assertions(assertions);
  }
}
