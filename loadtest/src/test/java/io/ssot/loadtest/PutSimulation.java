package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import io.gatling.javaapi.core.Assertion;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * (4) Writes: PUT /v1/kv/{key}?durability=D of random keys among {@code -Dkeys}, one measured
 * phase per durability in {@code -Ddurability} (default "local,sync"), each at {@code -Drate}
 * arrivals/s for {@code -Dduration} s, one after the other so their figures do not mix, after one
 * warm-up that writes with every durability. Request names are "PUT durability=local" and
 * "PUT durability=sync"; the seed floor is asserted for each durability.
 */
public class PutSimulation extends Simulation {
  static final String[] DURABILITIES = Arrays.stream(Config.prop("durability", "local,sync").split(","))
      .map(String::trim).toArray(String[]::new);

  {
    Config.banner("PUT " + Arrays.toString(DURABILITIES));
    List<ChainBuilder> puts = Arrays.stream(DURABILITIES).map(d -> Requests.put(d, Config.KEYS)).toList();
    PopulationBuilder chain = Config.warmUp("PUT", uniformRandomSwitch().on(puts));
    List<Assertion> floor = new ArrayList<>();
    for (int i = 0; i < DURABILITIES.length; i++) {
      String name = Requests.putName(DURABILITIES[i]);
      chain = chain.andThen(Config.measured(name, puts.get(i)));
      floor.add(Config.p99UnderFloor(Config.MEASURED, name));
      floor.add(Config.throughput(Config.DURATION, Config.MEASURED, name));
    }
    floor.add(global().failedRequests().count().is(0L));
    setUp(chain).protocols(Config.http()).assertions(floor);
  }
}
