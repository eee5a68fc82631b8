package io.ssot.limit;

import io.vertx.core.net.SocketAddress;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import java.util.HexFormat;

/**
 * Who a request counts against for rate limiting: the bearer of its {@code Authorization}
 * credentials when it sends any, else its client address. The credentials are neither parsed nor
 * verified here (that is authentication's job); they are hashed, so the limiter's map never holds
 * a secret. Once requests carry an authenticated principal, that principal is the identity.
 */
public final class ClientIdentity {

  private ClientIdentity() {
  }

  public static String of(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null) {
      return ofCredentials(authorization);
    }
    SocketAddress address = request.remoteAddress();
    return "address:" + (address == null ? "unknown" : address.hostAddress());
  }

  /** The identity of a request that sends this {@code Authorization} header. */
  public static String ofCredentials(String authorization) {
    return "credentials:" + digest(authorization);
  }

  private static String digest(String credentials) {
    return HexFormat.of().formatHex(Sha256.of(credentials), 0, 16);
  }
}
