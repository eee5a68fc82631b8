package io.ssot.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Writes the keys a simulation reads, before the run (outside Gatling's statistics). */
public final class Seed {
  private Seed() {}

  public static final String VALUE =
      "{\"pool\":{\"min\":4,\"max\":32},\"timeoutMs\":2500,\"url\":\"pg://db-1.internal:5432/app\",\"ssl\":true}";

  public static String key(String prefix, int i) {
    return String.format("%s%05d", prefix, i);
  }

  /** PUTs {@code count} keys {@code prefix00000...}; fails the run if the server is not there. */
  public static void keys(String prefix, int count) {
    HttpClient client = client();
    try {
      for (int i = 0; i < count; i++) {
        HttpRequest req = HttpRequest.newBuilder(URI.create(Config.BASE_URL + "/v1/kv/" + key(prefix, i)))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + Config.TOKEN)
            .PUT(HttpRequest.BodyPublishers.ofString(VALUE)).build();
        int status = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status != 200 && status != 201) {
          throw new IllegalStateException("seeding " + key(prefix, i) + ": HTTP " + status);
        }
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot seed keys at " + Config.BASE_URL + ": " + e, e);
    }
  }

  private static HttpClient client() {
    try {
      // Self-signed certificates are expected for the TLS (HTTP/2) runs, as Gatling itself accepts them.
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, new TrustManager[] {new X509TrustManager() {
        public void checkClientTrusted(X509Certificate[] c, String a) {}
        public void checkServerTrusted(X509Certificate[] c, String a) {}
        public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
      }}, new SecureRandom());
      System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
      return HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5)).build();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
