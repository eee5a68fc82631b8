package io.ssot.limit;

import io.vertx.core.net.SocketAddress;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
    String authorization = request.getHeader("Authorization");
    if (authorization != null) {
      return "credentials:" + digest(authorization);
    }
    SocketAddress address = request.remoteAddress();
    return "address:" + (address == null ? "unknown" : address.hostAddress());
  }

  private static String digest(String credentials) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(credentials.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java platform", e);
    }
  }
}
