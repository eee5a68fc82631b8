package io.ssot.loadtest;

import io.gatling.javaapi.core.Simulation;

/**
 * (1) Single-key reads over HTTP/2. Gatling negotiates HTTP/2 with ALPN only, i.e. over TLS:
 * it has no h2c (cleartext) client. So this simulation needs {@code -DbaseUrl=https://...} against
 * a server started with SSOT_TLS_CERT/SSOT_TLS_KEY, and refuses to start on http:// rather than
 * silently measure HTTP/1.1. With {@code shareConnections()} the virtual users multiplex their
 * requests on shared HTTP/2 connections.
 */
public class GetHttp2Simulation extends Simulation {
  {
    if (!Config.BASE_URL.startsWith("https://")) {
      throw new IllegalArgumentException("GetHttp2Simulation needs -DbaseUrl=https://... (Gatling has no h2c): "
          + Config.BASE_URL);
    }
    Config.banner("GET (HTTP/2 over TLS)");
    setUp(Config.warmUpThenMeasure("GET single key, HTTP/2", Requests.get("GET h2", Config.KEYS)))
        .protocols(Config.http().enableHttp2())
        .assertions(Config.seedFloor("GET h2"));
  }

  @Override
  public void before() {
    Seed.keys(Requests.READ_PREFIX, Config.KEYS);
  }
}
