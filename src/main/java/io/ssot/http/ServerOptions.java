package io.ssot.http;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;

/** The HTTP servers' options from the configuration: address, protocol limits and timeouts (TLS is added on top). */
public final class ServerOptions {

  private ServerOptions() {
  }

  /** Cleartext options; {@code http.port} 0 is resolved to one free port, so that every event loop's server shares it. */
  public static HttpServerOptions from(Config config) {
    String host = config.get(Settings.HTTP_HOST);
    return new HttpServerOptions()
        .setHost(host)
        .setPort(resolvePort(host, config.get(Settings.HTTP_PORT)))
        .setHttp2ClearTextEnabled(true)
        .setHandle100ContinueAutomatically(false)
        .setMaxHeaderSize(config.get(Settings.LIMITS_MAX_HEADER_BYTES).intValue())
        .setMaxInitialLineLength(config.get(Settings.LIMITS_MAX_URL_BYTES).intValue())
        .setMaxWebSocketFrameSize(config.get(Settings.LIMITS_MAX_WEB_SOCKET_FRAME_BYTES).intValue())
        .setMaxWebSocketMessageSize(config.get(Settings.LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES).intValue())
        .setIdleTimeout((int) config.get(Settings.LIMITS_IDLE_TIMEOUT).toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setTcpNoDelay(true)
        // WebSocket compression would add an extension handler to every HTTP/1.1 connection's
        // pipeline (~13% of GET time in a JFR profile) and a deflater per watcher, for frames
        // that are small JSON events.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setInitialSettings(new Http2Settings()
            .setMaxConcurrentStreams(config.get(Settings.LIMITS_MAX_CONCURRENT_STREAMS))
            .setMaxHeaderListSize(config.get(Settings.LIMITS_MAX_HEADER_BYTES)));
  }

  /** Port 0 means any free port. */
  private static int resolvePort(String host, int port) {
    if (port != 0) {
      return port;
    }
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(host))) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port on " + host, e);
    }
  }
}
