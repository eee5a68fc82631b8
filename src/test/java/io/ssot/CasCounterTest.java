package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Compare-and-set under contention: 100 increments of one counter from 8 connections, each a
 * GET then a PUT with {@code If-Match} of the revision read, retried on 412. No increment is
 * lost or applied twice.
 */
@ExtendWith(VertxExtension.class)
class CasCounterTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().build();

  private static final int CONNECTIONS = 8;
  private static final int INCREMENTS = 100;
  private static final String KEY = "/v1/kv/cas/counter";

  private record Reply(int status, JsonObject body) {
  }

  private static Future<Reply> send(HttpClient client, HttpMethod method, String uri, String ifMatch, String body) {
    return Http.exchange(client.request(new RequestOptions().putHeader("Authorization", Http.ADMIN_AUTHORIZATION)
        .setMethod(method).setURI(uri)), req -> {
          if (ifMatch != null) {
            req.putHeader("If-Match", ifMatch);
          }
          req.putHeader("Content-Type", "application/json");
          return body == null ? req.send() : req.send(body);
        }, resp -> resp.body().map(b -> new Reply(resp.statusCode(), b.length() == 0 ? null : b.toJsonObject())));
  }

  @Test
  void concurrentCompareAndSetIncrementsLoseNothing() {
    Http http = new Http(server.vertx(), server.port());
    assertEquals(201, http.put(KEY, "0", java.util.Map.of("If-None-Match", "*")).status());

    AtomicInteger claimed = new AtomicInteger();
    AtomicInteger successes = new AtomicInteger();
    AtomicInteger conflicts = new AtomicInteger();
    Set<Long> versions = ConcurrentHashMap.newKeySet();
    Set<Long> values = ConcurrentHashMap.newKeySet();
    List<HttpClient> clients = new ArrayList<>();
    List<Future<Void>> loops = new ArrayList<>();
    for (int c = 0; c < CONNECTIONS; c++) {
      // One client with one connection each: eight independent connections racing.
      HttpClient client = server.vertx().createHttpClient(
          new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port()),
          new PoolOptions().setHttp1MaxSize(1));
      clients.add(client);
      Promise<Void> done = Promise.promise();
      loops.add(done.future());
      server.vertx().runOnContext(v -> nextIncrement(client, claimed, successes, conflicts, versions, values, done));
    }
    Future.all(loops).await();
    clients.forEach(c -> c.close().await());

    assertEquals(INCREMENTS, successes.get(), "exactly one successful PUT per increment");
    assertEquals(INCREMENTS, versions.size(), "each success made a distinct version");
    assertEquals(INCREMENTS, values.size(), "each success wrote a distinct value");
    assertTrue(conflicts.get() > 0, "the connections did race (412s seen): " + conflicts.get());

    JsonObject counter = http.get(KEY).json();
    assertEquals(INCREMENTS, counter.getInteger("value"));
    assertEquals(INCREMENTS + 1, counter.getLong("version"));

    JsonObject history = http.get("/v1/history/cas/counter?limit=1000").json();
    JsonArray items = history.getJsonArray("items");
    assertEquals(INCREMENTS + 1, items.size(), "versions 1.." + (INCREMENTS + 1));
    long previousRevision = Long.MAX_VALUE;
    for (int i = 0; i < items.size(); i++) {
      JsonObject item = items.getJsonObject(i);
      assertEquals("put", item.getString("type"));
      assertEquals(INCREMENTS - i, item.getInteger("value"), "newest first, each value once: item " + i);
      assertTrue(item.getLong("revision") < previousRevision, "revisions strictly decrease");
      previousRevision = item.getLong("revision");
    }
    assertEquals(counter.getLong("revision"), items.getJsonObject(0).getLong("revision"));
    assertEquals(counter.getLong("createRevision"), items.getJsonObject(INCREMENTS).getLong("revision"));
    http.close();
  }

  /** Claims one increment and performs it (retrying on 412), then claims the next. */
  private static void nextIncrement(HttpClient client, AtomicInteger claimed, AtomicInteger successes,
      AtomicInteger conflicts, Set<Long> versions, Set<Long> values, Promise<Void> done) {
    if (claimed.incrementAndGet() > INCREMENTS) {
      done.complete();
      return;
    }
    attempt(client, conflicts).onSuccess(put -> {
      successes.incrementAndGet();
      versions.add(put.body().getLong("version"));
      values.add(put.body().getLong("value"));
      nextIncrement(client, claimed, successes, conflicts, versions, values, done);
    }).onFailure(done::fail);
  }

  private static Future<Reply> attempt(HttpClient client, AtomicInteger conflicts) {
    return send(client, HttpMethod.GET, KEY, null, null).compose(got -> {
      if (got.status() != 200) {
        return Future.failedFuture("GET answered " + got.status() + " " + got.body());
      }
      long rev = got.body().getLong("revision");
      long next = got.body().getLong("value") + 1;
      return send(client, HttpMethod.PUT, KEY, "\"" + rev + "\"", Long.toString(next)).compose(put -> {
        if (put.status() == 412) {
          conflicts.incrementAndGet();
          return attempt(client, conflicts);
        }
        if (put.status() != 200) {
          return Future.failedFuture("PUT answered " + put.status() + " " + put.body());
        }
        return Future.succeededFuture(new Reply(200, put.body().put("value", next)));
      });
    });
  }
}
