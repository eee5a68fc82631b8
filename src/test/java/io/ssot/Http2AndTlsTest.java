package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.ssl.OpenSsl;
import io.ssot.security.TlsOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 on the cleartext port (prior knowledge and upgrade, next to HTTP/1.1) and on a TLS port
 * (ALPN h2 and http/1.1, TLS 1.2+ only, through OpenSSL), with a certificate made in the test.
 */
@ExtendWith(VertxExtension.class)
class Http2AndTlsTest {

  @TempDir
  static Path certDir;

  private static TestServer cleartext;
  private static TestServer tls;
  private static SelfSignedPem pem;
  private static Vertx vertx;

  @BeforeAll
  static void start() throws Exception {
    pem = SelfSignedPem.write(certDir);
    cleartext = TestServer.start();
    tls = TestServer.start(Map.of("tls.cert", pem.cert().toString(), "tls.key", pem.key().toString()));
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    cleartext.close();
    tls.close();
  }

  // ---- cleartext: h2c and HTTP/1.1 on one port -------------------------------------------------

  @Test
  void h2cWithPriorKnowledge() {
    try (Http h2c = Http.h2c(vertx, cleartext.port())) {
      assertServesOver(HttpVersion.HTTP_2, h2c, "h2c/prior");
    }
  }

  @Test
  void h2cByUpgrade() {
    try (Http upgraded = new Http(vertx, cleartext.port(), new HttpClientOptions()
        .setProtocolVersion(HttpVersion.HTTP_2).setHttp2ClearTextUpgrade(true))) {
      // The first request goes out as HTTP/1.1 with "Upgrade: h2c"; its answer comes on stream 1.
      assertServesOver(HttpVersion.HTTP_2, upgraded, "h2c/upgrade");
    }
  }

  @Test
  void http11OnTheSamePort() {
    try (Http http11 = new Http(vertx, cleartext.port())) {
      assertServesOver(HttpVersion.HTTP_1_1, http11, "h1/plain");
    }
  }

  /** A create, an update, a read and a listing, each answered over {@code version}. */
  private static void assertServesOver(HttpVersion version, Http http, String prefix) {
    Http.Response created = http.put("/v1/kv/" + prefix + "/k", "{\"v\":1}");
    assertEquals(201, created.status(), created::toString);
    assertEquals(version, created.version(), "version of the first request");
    Http.Response updated = http.put("/v1/kv/" + prefix + "/k", "{\"v\":2}");
    assertEquals(200, updated.status(), updated::toString);
    assertEquals(version, updated.version());
    Http.Response got = http.get("/v1/kv/" + prefix + "/k");
    assertEquals(200, got.status(), got::toString);
    assertEquals(version, got.version());
    assertEquals(2, got.json().getJsonObject("value").getInteger("v"));
    Http.Response listed = http.get("/v1/kv?prefix=" + prefix + "/");
    assertEquals(200, listed.status(), listed::toString);
    assertEquals(version, listed.version());
    assertEquals(1, listed.json().getJsonArray("items").size());
    assertEquals(prefix + "/k", listed.json().getJsonArray("items").getJsonObject(0).getString("key"));
  }

  // ---- TLS ----------------------------------------------------------------------------------------

  /** A client that trusts the test certificate and checks the host name against it. */
  private static HttpClientOptions tlsOptions() {
    return new HttpClientOptions().setSsl(true).setDefaultHost("127.0.0.1").setDefaultPort(tls.port())
        .setTrustOptions(new PemTrustOptions().addCertPath(pem.cert().toString())).setConnectTimeout(5000);
  }

  private static HttpClientOptions h2Options() {
    return tlsOptions().setUseAlpn(true).setProtocolVersion(HttpVersion.HTTP_2);
  }

  @Test
  void tlsRunsOnOpenSslWhenNettyTcnativeLoads() {
    assertTrue(OpenSsl.isAvailable(), () -> "netty-tcnative loads here: " + OpenSsl.unavailabilityCause());
    assertEquals(TlsOptions.Engine.OPENSSL, tls.server().tlsEngine());
    assertEquals(TlsOptions.Engine.NONE, cleartext.server().tlsEngine());
  }

  @Test
  void alpnNegotiatesH2() {
    try (Http h2 = new Http(vertx, tls.port(), h2Options())) {
      assertServesOver(HttpVersion.HTTP_2, h2, "tls/h2");
    }
  }

  @Test
  void http11ClientsAreServedOverTls() {
    // One offers only http/1.1 by ALPN, the other sends no ALPN extension at all.
    try (Http alpn = new Http(vertx, tls.port(), tlsOptions().setUseAlpn(true)
        .setProtocolVersion(HttpVersion.HTTP_1_1).setAlpnVersions(List.of(HttpVersion.HTTP_1_1)));
         Http noAlpn = new Http(vertx, tls.port(), tlsOptions().setUseAlpn(false))) {
      assertServesOver(HttpVersion.HTTP_1_1, alpn, "tls/h1-alpn");
      assertServesOver(HttpVersion.HTTP_1_1, noAlpn, "tls/h1-plain");
    }
  }

  @Test
  void tls11IsRefused() {
    // The client runs on OpenSSL too: the JDK would refuse TLS 1.1 itself, before asking the server.
    HttpClientOptions tls11 = tlsOptions().setSslEngineOptions(new OpenSSLEngineOptions())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.1"));
    HttpClientOptions tls12 = tlsOptions().setSslEngineOptions(new OpenSSLEngineOptions())
        .setEnabledSecureTransportProtocols(Set.of("TLSv1.2"));
    try (Http control = new Http(vertx, tls.port(), tls12)) {
      assertEquals(200, control.get("/health/live").status(), "the same client on TLS 1.2 is served");
    }
    Throwable refused = failure(vertx.createHttpClient(tls11), "/health/live");
    assertTrue(refused instanceof SSLException, () -> "a handshake failure, not " + refused);
    assertTrue(causes(refused).contains("TLSV1_ALERT_PROTOCOL_VERSION"),
        () -> "the server answered with a protocol_version alert: " + causes(refused));
  }

  @Test
  void cleartextRequestToTheTlsPortGetsNoResponse() {
    Throwable failed = failure(vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
        .setDefaultPort(tls.port())), "/health/live");
    // The server's TLS layer finds no handshake and closes the connection without a word.
    assertTrue(failed instanceof HttpClosedException, () -> causes(failed));
  }

  @Test
  void sseWatchOverH2OnTlsReceivesAChange() throws Exception {
    HttpClient client = vertx.createHttpClient(h2Options());
    try (Http h2 = new Http(vertx, tls.port(), h2Options());
         WatchClients.Sse sse = new WatchClients.Sse(client, "/v1/watch?key=tls/watched", Map.of())) {
      assertEquals(200, sse.status);
      assertEquals(HttpVersion.HTTP_2, sse.version());
      long revision = h2.put("/v1/kv/tls/watched", "{\"on\":true}").json().getLong("revision");
      WatchClients.Event change = sse.next();
      while (!change.event().equals("change")) {
        change = sse.next();
      }
      assertEquals(String.valueOf(revision), change.id());
      assertEquals("tls/watched", change.json().getJsonArray("events").getJsonObject(0).getString("key"));
    } finally {
      client.close().await();
    }
  }

  private static String causes(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause()) {
      all.append(c).append('\n');
    }
    return all.toString();
  }

  /** Sends a GET that must fail before any response; returns why it failed. */
  private static Throwable failure(HttpClient client, String uri) {
    try {
      int status = client.request(HttpMethod.GET, uri).compose(HttpClientRequest::send)
          .map(HttpClientResponse::statusCode).await();
      throw new AssertionError("expected no response, got " + status);
    } catch (Exception e) { // await() rethrows the failure as is, checked or not
      return e;
    } finally {
      client.close().await();
    }
  }
}
