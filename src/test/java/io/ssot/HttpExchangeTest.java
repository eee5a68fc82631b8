package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Http#exchange}: a response's body is read whatever the test thread does meanwhile. A
 * body asked for once the answer is in, as a stage chained from the test thread can be, is lost:
 * on Vert.x 5.0.8 its future never completes, from 5.0.11 on it completes without the bytes.
 */
class HttpExchangeTest {

  private static final String VALUE = "{\"exchange\":\"read in the send callback\"}";

  private static TestServer server;
  private static Vertx vertx;
  private static HttpClient client;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start();
    vertx = Vertx.vertx();
    // One connection, so that a second request answered means the first answer was read through.
    client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(server.port()),
        new PoolOptions().setHttp1MaxSize(1));
    try (Http http = new Http(vertx, server.port())) {
      assertEquals(201, http.put("/v1/kv/exchange", VALUE).status());
    }
  }

  @AfterAll
  static void stop() {
    client.close().await();
    vertx.close().await();
    server.close();
  }

  private static Future<HttpClientRequest> getValue() {
    return client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/v1/kv/exchange?raw=true")
        .putHeader("Authorization", Http.ADMIN_AUTHORIZATION));
  }

  @Test
  void theBodyIsReadEvenWhenTheCallerLooksOnlyAfterTheAnswerIsIn() throws Exception {
    Future<Buffer> body = Http.exchange(getValue(), HttpClientRequest::send, HttpClientResponse::body);
    answeredThrough();
    assertEquals(VALUE, body.await(10, TimeUnit.SECONDS).toString());
  }

  /** What {@link Http#exchange} is for: if this fails, Vert.x keeps the body for a late reader. */
  @Test
  void aBodyAskedForAfterTheAnswerIsInIsLost() throws Exception {
    HttpClientResponse response = getValue().compose(HttpClientRequest::send).await(10, TimeUnit.SECONDS);
    answeredThrough();
    Buffer late;
    try {
      late = response.body().await(2, TimeUnit.SECONDS);
    } catch (TimeoutException neverCompletes) {
      late = null; // Vert.x 5.0.8 (eclipse-vertx/vert.x#6038)
    }
    assertNotEquals(VALUE, late == null ? null : late.toString(),
        "Vert.x now keeps a response's body for a reader that comes late: Http.exchange's reason is gone");
  }

  /** Once a second request on the one connection is answered, the answer before it was read to its end. */
  private static void answeredThrough() throws Exception {
    assertEquals(200, Http.exchange(getValue(), HttpClientRequest::send, r -> r.body().map(b -> r.statusCode()))
        .await(10, TimeUnit.SECONDS));
  }
}
