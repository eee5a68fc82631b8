package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS: a client certificate the server trusts authenticates as its subject's CN, with the
 * roles tls.clientRoles gives that name; a bearer token still works next to it.
 */
@ExtendWith(VertxExtension.class)
class MutualTlsTest {

  @TempDir
  Path dir;

  private SelfSignedPem server;
  private SelfSignedPem payments;
  private SelfSignedPem nobody;
  private SelfSignedPem stranger;

  private TestServer start(String clientAuth) throws Exception {
    server = SelfSignedPem.write(dir);
    payments = SelfSignedPem.write(dir, "payments-svc", "payments-");
    nobody = SelfSignedPem.write(dir, "nobody", "nobody-");
    stranger = SelfSignedPem.write(dir, "payments-svc", "stranger-"); // same name, untrusted key
    // Each client certificate is its own issuer: trusting it is trusting its CA.
    Path ca = dir.resolve("clients-ca.pem");
    Files.writeString(ca, Files.readString(payments.cert()) + Files.readString(nobody.cert()));
    return TestServer.start(Map.of("tls.cert", server.cert().toString(), "tls.key", server.key().toString(),
        "tls.clientAuth", clientAuth, "tls.clientCa", ca.toString(),
        "tls.clientRoles", "payments-svc=write:payments/,read:shared/; ops=admin:"));
  }

  /** A TLS client presenting {@code clientCert} (or none); close it, send requests through {@link Http#anonymous()}. */
  private Http client(Vertx vertx, int port, SelfSignedPem clientCert) {
    HttpClientOptions options = new HttpClientOptions().setSsl(true).setConnectTimeout(5000)
        .setTrustOptions(new PemTrustOptions().addCertPath(server.cert().toString()));
    if (clientCert != null) {
      options.setKeyCertOptions(new PemKeyCertOptions().setCertPath(clientCert.cert().toString())
          .setKeyPath(clientCert.key().toString()));
    }
    return new Http(vertx, port, options);
  }

  @Test
  void aTrustedClientCertificateIsAPrincipalWithItsConfiguredRoles(Vertx vertx) throws Exception {
    try (TestServer tls = start("request");
         Http svcClient = client(vertx, tls.port(), payments);
         Http nobodyClient = client(vertx, tls.port(), nobody);
         Http bareClient = client(vertx, tls.port(), null);
         Http strangerClient = client(vertx, tls.port(), stranger)) {
      Http svc = svcClient.anonymous();
      Http.Response put = svc.put("/v1/kv/payments/db", "{\"max\":32}");
      assertEquals(201, put.status(), put::toString);
      assertEquals("payments-svc", svc.get("/v1/kv/payments/db").json().getString("updatedBy"));
      Http.Response denied = svc.put("/v1/kv/shared/x", "1");
      assertEquals(403, denied.status(), "read only on shared/: " + denied);
      assertEquals(403, svc.get("/v1/tokens").status());
      assertEquals(404, svc.get("/v1/kv/shared/x").status(), "read on shared/");

      Http.Response noRoles = nobodyClient.anonymous().get("/v1/kv/payments/db");
      assertEquals(403, noRoles.status(), "a trusted certificate without roles is allowed nothing: " + noRoles);

      assertEquals(401, bareClient.anonymous().get("/v1/kv/payments/db").status(), "no certificate and no token");
      assertEquals(200, bareClient.get("/v1/kv/payments/db").status(), "a bearer token works without a certificate");
      assertEquals(200, bareClient.anonymous().get("/health/live").status());

      Exception untrusted = assertThrows(Exception.class, () -> strangerClient.anonymous().get("/v1/kv/payments/db"),
          "a certificate no trusted CA signed fails the handshake, whatever its name");
      // The server ends the handshake with a fatal TLS alert (not an HTTP answer, nor a timeout).
      assertTrue(untrusted.getCause() instanceof javax.net.ssl.SSLException
          && untrusted.getCause().getMessage().startsWith("Received fatal alert"), untrusted::toString);
    }
  }

  /** With both, the bearer token decides: it neither adds to nor falls back on the certificate's roles. */
  @Test
  void aBearerTokenTakesPrecedenceOverAClientCertificate(Vertx vertx) throws Exception {
    try (TestServer tls = start("request"); Http svcClient = client(vertx, tls.port(), payments)) {
      assertEquals(201, svcClient.anonymous().put("/v1/kv/payments/db", "1").status(), "the certificate writes payments/");
      Http.Response reader = svcClient.post("/v1/tokens",
          "{\"name\":\"reader\",\"roles\":[{\"role\":\"read\",\"prefix\":\"\"}]}");
      assertEquals(201, reader.status(), reader::toString);
      Http asReader = svcClient.as(reader.json().getString("token"));
      Http.Response denied = asReader.put("/v1/kv/payments/db", "2");
      assertEquals(403, denied.status(), "the read-only token, not the certificate, decides: " + denied);
      assertTrue(denied.json().getString("detail").startsWith("reader "), denied::toString);
      assertEquals(401, svcClient.as("not-a-token-of-this-server").get("/v1/kv/payments/db").status(),
          "a bad token is not replaced by the certificate");
      Http.Response asAdmin = svcClient.put("/v1/kv/shared/x", "3");
      assertEquals(201, asAdmin.status(), "the admin token writes where the certificate may not: " + asAdmin);
      assertEquals("admin", svcClient.get("/v1/kv/shared/x").json().getString("updatedBy"));
      assertEquals("1", svcClient.get("/v1/kv/payments/db?raw=true").body().toString());
    }
  }

  @Test
  void requiredClientAuthRefusesAHandshakeWithoutACertificate(Vertx vertx) throws Exception {
    try (TestServer tls = start("required");
         Http svc = client(vertx, tls.port(), payments);
         Http bare = client(vertx, tls.port(), null)) {
      assertEquals(404, svc.anonymous().get("/v1/kv/payments/absent").status());
      Exception refused = assertThrows(Exception.class, () -> bare.get("/health/live"), "no certificate, no TLS session");
      assertTrue(refused.getCause() instanceof javax.net.ssl.SSLHandshakeException
          && refused.getCause().getMessage().contains("certificate_required"), refused::toString);
    }
  }

  @Test
  void clientAuthNeedsTlsACaAndWellFormedRoles() throws Exception {
    server = SelfSignedPem.write(dir);
    IllegalArgumentException noTls = assertThrows(IllegalArgumentException.class,
        () -> TestServer.start(Map.of("tls.clientAuth", "request", "tls.clientCa", server.cert().toString())));
    assertTrue(noTls.getMessage().contains("SSOT_TLS_CERT"), noTls.getMessage());
    Map<String, String> tls = Map.of("tls.cert", server.cert().toString(), "tls.key", server.key().toString());
    Map<String, String> noCa = new java.util.HashMap<>(tls);
    noCa.put("tls.clientAuth", "request");
    IllegalArgumentException missingCa = assertThrows(IllegalArgumentException.class, () -> TestServer.start(noCa));
    assertTrue(missingCa.getMessage().contains("tls.clientCa"), missingCa.getMessage());
    for (String roles : new String[] {"ops", "ops=root:", "ops=read", "ops=read:a b", "ops=read:;ops=write:"}) {
      Map<String, String> bad = new java.util.HashMap<>(noCa);
      bad.put("tls.clientCa", server.cert().toString());
      bad.put("tls.clientRoles", roles);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TestServer.start(bad), roles);
      assertTrue(e.getMessage().contains("tls.clientRoles"), e.getMessage());
    }
  }
}
