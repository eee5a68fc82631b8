package io.ssot.loadtest;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.gatling.javaapi.http.HttpDsl.*;

import io.gatling.javaapi.core.ChainBuilder;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Reusable request chains with stable request names (the names appear in the report). */
public final class Requests {
  private Requests() {}

  public static final String READ_PREFIX = "lt/read/k";
  public static final String WRITE_PREFIX = "lt/write/k";
  public static final String LIST_PREFIX = "lt/list/";

  private static final AtomicLong SEQ = new AtomicLong();

  /**
   * A feeder of random key names among {@code count} keys of {@code prefix}. The names are built
   * once: the load generator's CPU per request is what limits it on a shared core.
   */
  public static Iterator<Map<String, Object>> randomKeys(String prefix, int count) {
    List<Map<String, Object>> keys = IntStream.range(0, count)
        .mapToObj(i -> Map.<String, Object>of("key", Seed.key(prefix, i))).toList();
    return Stream.generate(() -> keys.get(ThreadLocalRandom.current().nextInt(count))).iterator();
  }

  /** GET /v1/kv/{key}: the full entry; 200 and the ETag checked. */
  public static ChainBuilder get(String name, int keys) {
    return feed(randomKeys(READ_PREFIX, keys))
        .exec(http(name).get("/v1/kv/#{key}")
            .check(status().is(200), header("ETag").exists(), jsonPath("$.revision").exists()));
  }

  /** GET /v1/kv/{key}?raw=true: the value bytes alone. */
  public static ChainBuilder raw(int keys) {
    return feed(randomKeys(READ_PREFIX, keys))
        .exec(http("GET raw").get("/v1/kv/#{key}?raw=true")
            .check(status().is(200), header("ETag").exists(), jsonPath("$.pool.max").is("32")));
  }

  /** GET /v1/kv?prefix=P&limit=L: one page of a prefix listing, its size checked. */
  public static ChainBuilder list(int limit, boolean keysOnly) {
    return exec(http(listName(keysOnly))
        .get("/v1/kv?prefix=" + LIST_PREFIX + "&limit=" + limit + (keysOnly ? "&keysOnly=true" : ""))
        .check(status().is(200), jsonPath("$.items[*]").count().is(limit)));
  }

  /** The request name of {@link #list}. */
  public static String listName(boolean keysOnly) {
    return "LIST prefix" + (keysOnly ? " keysOnly" : "");
  }

  /** The request name of {@link #put} with durability {@code durability}. */
  public static String putName(String durability) {
    return "PUT durability=" + durability;
  }

  /** PUT /v1/kv/{key}?durability=D of a small JSON value carrying the write time. */
  public static ChainBuilder put(String durability, int keys) {
    return putTo(WRITE_PREFIX, durability, keys);
  }

  /** As {@link #put} on keys of the given prefix. */
  public static ChainBuilder putTo(String prefix, String durability, int keys) {
    return feed(randomKeys(prefix, keys))
        .exec(http(putName(durability))
            .put("/v1/kv/#{key}?durability=" + durability)
            .body(StringBody(session -> "{\"t\":" + System.currentTimeMillis()
                + ",\"seq\":" + SEQ.incrementAndGet() + ",\"limits\":{\"rps\":500,\"burst\":50}}"))
            .check(status().in(200, 201), jsonPath("$.revision").exists()));
  }
}
