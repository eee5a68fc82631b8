package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A body's reservation of {@code limits.maxBodyBytesInFlight} is given back when its client gives
 * up mid-body: an HTTP/1.1 connection closed, an HTTP/2 stream reset. Apart from {@link
 * RequestBodyLimitsTest}, whose one-second body timeout could end the body first on a loaded
 * machine, before its reservation is seen.
 */
@Timeout(120)
class ResetBodyBudgetTest {

  @RegisterExtension
  final ServerExtension server = ServerExtension.builder().setting("limits.bodyTimeout", "60s")
      .setting("limits.maxTxnBytes", "1MiB").setting("limits.maxValueBytes", "64KiB")
      .setting("limits.maxBodyBytesInFlight", "1MiB").build();

  /** An HTTP/1.1 connection closed by its client mid-body gives its reservation back. */
  @Test
  void aConnectionClosedMidBodyReleasesItsBudget() throws Exception {
    try (RawHttp c = new RawHttp(server.port(), 10_000)) {
      c.write(RequestBodyLimitsTest.head("PUT", "/v1/kv/gone", TestServer.ADMIN_TOKEN, 50_000)).write("[1,2,");
      RequestBodyLimitsTest.awaitInFlight(server, 50_000);
    }
    RequestBodyLimitsTest.awaitInFlight(server, 0);
    assertEquals(404, server.http().get("/v1/kv/gone").status());
  }

  /** An HTTP/2 stream reset by its client mid-body gives its reservation back too. */
  @Test
  void anHttp2StreamResetMidBodyReleasesItsBudget() throws Exception {
    HttpClient h2 = server.vertx().createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false).setDefaultPort(server.port()).setDefaultHost("127.0.0.1"));
    try {
      HttpClientRequest put = h2.request(HttpMethod.PUT, "/v1/kv/reset").await();
      put.putHeader("Authorization", Http.ADMIN_AUTHORIZATION).putHeader("Content-Length", "50000");
      put.write("[1,2,").await();
      RequestBodyLimitsTest.awaitInFlight(server, 50_000);
      put.reset().await();
      RequestBodyLimitsTest.awaitInFlight(server, 0);
      assertEquals(404, server.http().get("/v1/kv/reset").status());
    } finally {
      h2.close().await();
    }
  }
}
