package io.ssot.loadtest;

import io.gatling.javaapi.core.Simulation;

/**
 * (3) Prefix lists: GET /v1/kv?prefix=lt/list/&limit={@code -DlistSize} (default 100) over a
 * prefix holding exactly that many keys, so each request returns one full page of entries with
 * values ({@code -DkeysOnly=true} lists names only). Asserts the seed floor.
 */
public class ListSimulation extends Simulation {
  static final int LIST_SIZE = Integer.getInteger("listSize", 100);
  static final boolean KEYS_ONLY = Boolean.getBoolean("keysOnly");

  {
    Config.banner("LIST prefix (" + LIST_SIZE + " entries" + (KEYS_ONLY ? ", keysOnly" : "") + ")");
    setUp(Config.warmUpThenMeasure("LIST prefix", Requests.list(LIST_SIZE, KEYS_ONLY)))
        .protocols(Config.http())
        .assertions(Config.seedFloor(Requests.listName(KEYS_ONLY)));
  }

  @Override
  public void before() {
    Seed.keys(Requests.LIST_PREFIX + "k", LIST_SIZE);
  }
}
