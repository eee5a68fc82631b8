package io.ssot;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/** A blocking test client over a real Vert.x HTTP client (HTTP/1.1, h2c or, with TLS options, h2). */
public final class Http implements AutoCloseable {

  /** A received response. */
  public record Response(int status, MultiMap headers, Buffer body, HttpVersion version) {
    public JsonObject json() {
      return body.toJsonObject();
    }

    public String header(String name) {
      return headers.get(name);
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  private final HttpClient client;
  private final int port;

  public Http(Vertx vertx, int port) {
    this(vertx, port, new HttpClientOptions());
  }

  public Http(Vertx vertx, int port, HttpClientOptions options) {
    this.client = vertx.createHttpClient(options.setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.port = port;
  }

  public static Http h2c(Vertx vertx, int port) {
    return new Http(vertx, port, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
        .setHttp2ClearTextUpgrade(false));
  }

  public Response send(HttpMethod method, String uri, Map<String, String> headers, String body) {
    Future<Response> f = client.request(new RequestOptions().setMethod(method).setURI(uri))
        .compose(req -> {
          headers.forEach(req::putHeader);
          Future<io.vertx.core.http.HttpClientResponse> sent = body == null ? req.send() : req.send(body);
          return sent.compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), resp.headers(), b, resp.version())));
        });
    return f.await();
  }

  public Response get(String uri) {
    return send(HttpMethod.GET, uri, Map.of(), null);
  }

  public Response get(String uri, Map<String, String> headers) {
    return send(HttpMethod.GET, uri, headers, null);
  }

  public Response put(String uri, String body) {
    return send(HttpMethod.PUT, uri, Map.of("Content-Type", "application/json"), body);
  }

  public Response put(String uri, String body, Map<String, String> headers) {
    return send(HttpMethod.PUT, uri, headers, body);
  }

  public Response delete(String uri) {
    return send(HttpMethod.DELETE, uri, Map.of(), null);
  }

  public Response post(String uri, String body) {
    return send(HttpMethod.POST, uri, Map.of("Content-Type", "application/json"), body);
  }

  public int port() {
    return port;
  }

  @Override
  public void close() {
    client.close().await();
  }
}
