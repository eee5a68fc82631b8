package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Simulation;

/**
 * (5) 95/5 read/write mix: each arrival does one GET (95%) or one PUT durability=local (5%) on
 * the same {@code -Dkeys} keys, so reads see keys that are being rewritten. Asserts the seed floor.
 */
public class MixSimulation extends Simulation {
  static final double READ_PERCENT = Double.parseDouble(Config.prop("readPercent", "95"));

  {
    Config.banner("mix " + READ_PERCENT + "% GET / " + (100 - READ_PERCENT) + "% PUT");
    ChainBuilder mix = randomSwitch().on(
        percent(READ_PERCENT).then(Requests.get("GET", Config.KEYS)),
        percent(100 - READ_PERCENT).then(Requests.putTo(Requests.READ_PREFIX, "local", Config.KEYS)));
    setUp(Config.warmUpThenMeasure("95/5 read/write", mix))
        .protocols(Config.http())
        .assertions(READ_PERCENT >= 100 ? Config.seedFloor("GET")
            : READ_PERCENT <= 0 ? Config.seedFloor(Requests.putName("local"))
            : Config.seedFloor("GET", Requests.putName("local")));
  }

  @Override
  public void before() {
    Seed.keys(Requests.READ_PREFIX, Config.KEYS);
  }
}
