package io.ssot.security;

import io.netty.handler.ssl.OpenSsl;
import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS on the HTTP servers: with {@code tls.cert} and {@code tls.key}, h2 and HTTP/1.1 over TLS 1.2
 * or 1.3 (ALPN), through OpenSSL when netty-tcnative loads, and, with {@code tls.clientAuth}, the
 * client certificates the handshake asks for. The settings are checked to fit together by
 * {@link io.ssot.config.Consistency} before this runs.
 */
public final class TlsOptions {

  private static final Logger LOG = LoggerFactory.getLogger(TlsOptions.class);

  /** The TLS engine a server runs on. */
  public enum Engine { NONE, OPENSSL, JDK }

  private TlsOptions() {
  }

  /** Adds TLS to {@code options} when a certificate is configured; leaves them cleartext otherwise. */
  public static void apply(Config config, HttpServerOptions options) {
    String cert = config.get(Settings.TLS_CERT);
    if (cert.isEmpty()) {
      return;
    }
    options.setSsl(true)
        .setUseAlpn(true)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(config.get(Settings.TLS_KEY)));
    options.getEnabledSecureTransportProtocols().retainAll(Set.of("TLSv1.2", "TLSv1.3"));
    clientAuth(config, options);
    if (OpenSSLEngineOptions.isAvailable()) {
      options.setSslEngineOptions(new OpenSSLEngineOptions());
      LOG.info("TLS through OpenSSL (netty-tcnative), ALPN h2 and http/1.1");
    } else {
      LOG.warn("OpenSSL (netty-tcnative) could not be loaded ({}); TLS falls back to the JDK engine",
          OpenSsl.unavailabilityCause());
    }
  }

  /** Mutual TLS: which client certificates the handshake asks for and verifies. */
  private static void clientAuth(Config config, HttpServerOptions options) {
    String mode = config.get(Settings.TLS_CLIENT_AUTH);
    if (mode.equals("none")) {
      return;
    }
    options.setClientAuth(mode.equals("required") ? ClientAuth.REQUIRED : ClientAuth.REQUEST)
        .setTrustOptions(new PemTrustOptions().addCertPath(config.get(Settings.TLS_CLIENT_CA)));
  }

  public static Engine engine(HttpServerOptions options) {
    if (!options.isSsl()) {
      return Engine.NONE;
    }
    return options.getSslEngineOptions() instanceof OpenSSLEngineOptions ? Engine.OPENSSL : Engine.JDK;
  }
}
