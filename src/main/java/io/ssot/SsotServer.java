package io.ssot;

import io.micrometer.core.instrument.Gauge;
import io.ssot.api.Api;
import io.ssot.http.BodyBudget;
import io.ssot.core.Durability;
import io.ssot.core.LocalDurability;
import io.ssot.core.Writes;
import io.ssot.http.JsonValues;
import io.ssot.http.Limits;
import io.ssot.http.RequestBody;
import io.ssot.api.Routes;
import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.config.StartupFailure;
import io.ssot.limit.Admission;
import io.ssot.limit.ClientIdentity;
import io.ssot.limit.ConnectionLimit;
import io.ssot.limit.IdleConnections;
import io.ssot.limit.RateLimiter;
import io.ssot.ops.HealthRoutes;
import io.ssot.ops.Metrics;
import io.ssot.persist.Bootstrap;
import io.ssot.persist.PgLocation;
import io.ssot.persist.Postgres;
import io.ssot.schema.JsonSchemas;
import io.ssot.schema.PrefixSchemas;
import io.ssot.security.AuthHandler;
import io.ssot.security.BootstrapToken;
import io.ssot.security.ClientCertificates;
import io.ssot.security.FastReadAuth;
import io.ssot.security.TokenRegistry;
import io.ssot.api.TokenRoutes;
import io.ssot.security.ValueCipher;
import io.ssot.store.DataDir;
import io.ssot.store.GroupCommit;
import io.ssot.store.MvccStore;
import io.ssot.watch.WatchHub;
import io.ssot.watch.WatchOutputBudget;
import io.ssot.watch.WatchRoutes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.OpenSSLEngineOptions;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assembled server. Start-up: with PostgreSQL, migrate its schema and, into an empty data
 * directory, bootstrap the store from it; open the data directory (replaying the change log after
 * an unclean stop); with PostgreSQL, check that both histories agree and start the write-behind;
 * then the watch hub, then the HTTP servers. {@link #stop()} reverses it: end the
 * watches, stop accepting and finish in-flight requests, then flush and close the store.
 */
public final class SsotServer {

  private static final Logger LOG = LoggerFactory.getLogger(SsotServer.class);

  private final Config config;
  private final DataDir dataDir;
  private final Metrics metrics;
  private final Vertx vertx;
  private final GroupCommit groupCommit;
  private final WatchHub hub;
  private final ValueCipher cipher;
  private final PrefixSchemas schemas;
  private final Postgres postgres;
  private final Writes writes;
  private final TokenRegistry tokens;
  private final AtomicBoolean stopping = new AtomicBoolean();
  private long compactionTimer;
  private HttpServerOptions httpOptions;
  private int port;

  private SsotServer(Config config, DataDir dataDir, Metrics metrics, Vertx vertx, PgLocation pg, long persisted,
                     ValueCipher cipher, String bootstrapToken) {
    this.config = config;
    this.dataDir = dataDir;
    this.metrics = metrics;
    this.vertx = vertx;
    this.cipher = cipher;
    MvccStore store = dataDir.store();
    byte[] encryptionMarker = cipher.checkStore(store);
    this.schemas = new PrefixSchemas(store, new JsonSchemas());
    this.groupCommit = new GroupCommit(store);
    this.postgres = pg == null ? null : Postgres.start(vertx, store, pg, persisted, config, metrics.registry());
    Durability durability = postgres == null ? new LocalDurability(groupCommit) : postgres.durability();
    this.writes = new Writes(store, schemas, cipher, durability, postgres == null ? null : postgres.history());
    if (encryptionMarker != null) {
      writes.recordEncryptionMarker(encryptionMarker);
    }
    this.hub = new WatchHub(vertx, store, cipher, config.get(Settings.WATCH_PROGRESS_INTERVAL).toMillis(),
        config.get(Settings.WATCH_SLOW_CONSUMER_GRACE).toMillis(), config.get(Settings.WATCH_MAX_QUEUE_BYTES),
        WatchOutputBudget.of(config.get(Settings.WATCH_MAX_QUEUED_BYTES_TOTAL)));
    this.tokens = new TokenRegistry(store, bootstrapToken);
    tokens.startExpiryChecks(vertx);
    metrics.bind(store, hub);
    if (postgres != null) {
      metrics.bind(postgres.writeBehind());
    }
  }

  /** Opens the store and starts serving; blocks until the port is bound. */
  public static SsotServer start(Config config) throws IOException {
    refuseUnavailableFeatures(config);
    ValueCipher cipher = ValueCipher.configure(config.get(Settings.ENCRYPTION_KEY_FILE),
        config.get(Settings.ENCRYPTION_PREFIXES));
    String pgUrl = config.get(Settings.PG_URL);
    PgLocation pg = pgUrl.isEmpty() ? null : PgLocation.parse(pgUrl);
    long persisted = pg == null ? 0 : Postgres.prepare(pg);
    Path dataPath = Path.of(config.get(Settings.DATA_DIR));
    DataDir.Options storeOptions = new DataDir.Options(config.get(Settings.STORE_MAX_KEYS),
        config.get(Settings.STORE_AVERAGE_VALUE_BYTES), config.get(Settings.CHANGELOG_SEGMENT_BYTES),
        config.get(Settings.STORE_MIN_FREE_DISK_BYTES));
    if (persisted > 0 && DataDir.isEmpty(dataPath)) {
      LOG.info("The data directory {} is empty and PostgreSQL holds revisions up to {}: bootstrapping from it",
          dataPath.toAbsolutePath(), persisted);
      persisted = Bootstrap.run(pg, dataPath, storeOptions, config.get(Settings.CHANGELOG_RETENTION_REVISIONS));
    }
    // Opening the store (Chronicle start-up, recovery) and starting Vert.x are independent:
    // overlapping them shortens the time until reads are served.
    CompletableFuture<DataDir> opening = CompletableFuture.supplyAsync(() -> {
      try {
        return DataDir.open(dataPath, storeOptions);
      } catch (IOException e) {
        throw StartupFailure.environment(Settings.DATA_DIR.name() + " " + dataPath.toAbsolutePath() + " ("
            + Settings.DATA_DIR.envName() + "): " + StartupFailure.describe(e), e);
      }
    });
    Metrics metrics = new Metrics();
    int loops = config.get(Settings.HTTP_EVENT_LOOPS);
    if (loops == 0) {
      loops = Runtime.getRuntime().availableProcessors();
    }
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(loops)
        .setPreferNativeTransport(true)
        // It serves no files from the class path: no vertx-cache directory in /tmp, which a
        // process that is killed would leave behind.
        .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false))
        .setMetricsOptions(Metrics.vertxMetricsOptions());
    Vertx vertx = Vertx.builder().with(options).withMetrics(metrics.vertxMetricsFactory()).build();
    DataDir dataDir;
    try {
      dataDir = opening.join();
    } catch (CompletionException e) {
      vertx.close();
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    SsotServer server;
    try {
      if (pg != null) {
        Postgres.checkContinuity(dataDir.store(), persisted, pg);
      }
      String bootstrapToken = config.get(Settings.AUTH_ENABLED)
          ? BootstrapToken.resolve(config.get(Settings.ADMIN_TOKEN), dataPath) : null;
      server = new SsotServer(config, dataDir, metrics, vertx, pg, persisted, cipher, bootstrapToken);
    } catch (RuntimeException | IOException e) {
      vertx.close();
      dataDir.close();
      throw e;
    }
    try {
      server.listen(loops).toCompletionStage().toCompletableFuture().join();
    } catch (CompletionException e) {
      server.stop();
      throw StartupFailure.environment("cannot listen on " + config.get(Settings.HTTP_HOST) + ":"
          + server.httpOptions.getPort() + " (" + Settings.HTTP_HOST.envName() + ", " + Settings.HTTP_PORT.envName()
          + "): " + StartupFailure.describe(e), e);
    } catch (RuntimeException e) {
      server.stop();
      throw e;
    }
    server.scheduleCompaction();
    return server;
  }

  private static void refuseUnavailableFeatures(Config config) {
    for (var setting : java.util.List.of(Settings.REDIS_URL)) {
      if (!config.get(setting).isEmpty()) {
        throw new IllegalArgumentException(setting.envName() + " is set, but this version of the server "
            + "does not support " + setting.name() + " yet; unset it to run embedded");
      }
    }
  }

  private Future<Void> listen(int instances) {
    MvccStore store = dataDir.store();
    Limits limits = Limits.from(config);
    Api api = new Api(store, writes, hub, limits, new JsonValues(limits.maxJsonDepth()),
        config.get(Settings.DURABILITY).equals("sync"), postgres == null ? null : postgres.history(), cipher,
        RequestBody.from(config));
    Gauge.builder("ssot_request_body_bytes_in_flight", api.bodies().budget(), BodyBudget::inFlight)
        .description("Request-body bytes reserved by requests now (limits.maxBodyBytesInFlight)")
        .register(metrics.registry());
    ConnectionLimit connections = new ConnectionLimit(config.get(Settings.LIMITS_MAX_CONNECTIONS));
    RateLimiter rateLimiter = RateLimiter.from(config);
    Gauge.builder("ssot_ratelimit_identities", rateLimiter, RateLimiter::identities)
        .description("Client identities holding rate-limit buckets").register(metrics.registry());
    Gauge.builder("ssot_connections_open", connections, ConnectionLimit::open)
        .description("Open client connections").register(metrics.registry());
    Admission admission = new Admission(connections, rateLimiter, ClientIdentity::of);
    WatchRoutes watchRoutes = new WatchRoutes(hub, limits, admission);
    TokenRoutes tokenRoutes = new TokenRoutes(api, tokens);
    ClientCertificates certificates = config.get(Settings.TLS_CLIENT_AUTH).equals("none") ? null
        : ClientCertificates.parse(config.get(Settings.TLS_CLIENT_ROLES));
    AuthHandler auth = new AuthHandler(config.get(Settings.AUTH_ENABLED), monitoringOpen(), tokens, certificates,
        config.get(Settings.AUTH_MAX_FAILURES_PER_MINUTE));
    HealthRoutes healthRoutes = new HealthRoutes(store, dataDir.diskSpace(), postgres, metrics, stopping::get);
    HttpServerOptions options = httpOptions(resolvePort(config.get(Settings.HTTP_HOST), config.get(Settings.HTTP_PORT)));
    httpOptions = options;
    long shutdownMillis = config.get(Settings.SHUTDOWN_TIMEOUT).toMillis();
    // The fast path serves a read only when the router would: the token reads the key, and the
    // connection and the client's read bucket admit it. Its authentication remembers each
    // connection's verified token, so it is made per event loop.
    Function<Vertx, Handler<HttpServerRequest>> handlers = v -> {
      FastReadAuth fastAuth = auth.fastReadAuth();
      BiPredicate<HttpServerRequest, String> fastRead = (request, key) -> {
        String client = fastAuth.client(request, key);
        return client != null && admission.admitsReadFast(request, client);
      };
      return Routes.handler(v, api, auth, fastRead, instances, r -> {
        admission.mount(r);
        watchRoutes.mount(r);
        tokenRoutes.mount(r);
        healthRoutes.mount(r);
      });
    };
    // One server per event loop; Vert.x shares the listening socket between them.
    long idleMillis = config.get(Settings.LIMITS_IDLE_TIMEOUT).toMillis();
    Handler<HttpConnection> onConnection = connection -> {
      connections.accept(connection);
      IdleConnections.install(connection, idleMillis);
    };
    return vertx.deployVerticle(() -> new HttpVerticle(options, handlers, shutdownMillis, onConnection),
        new DeploymentOptions().setInstances(instances)).map(id -> {
          port = options.getPort();
          LOG.info("Serving on {}://{}:{} with {} event loops, data in {}", options.isSsl() ? "https" : "http",
              options.getHost(), port, instances, Path.of(config.get(Settings.DATA_DIR)).toAbsolutePath());
          return null;
        });
  }

  /** Whether /health/ready and /metrics answer without a token (by default, on a loopback bind only). */
  private boolean monitoringOpen() {
    return switch (config.get(Settings.AUTH_ANONYMOUS_MONITORING)) {
      case "always" -> true;
      case "never" -> false;
      default -> {
        try {
          yield java.net.InetAddress.getByName(config.get(Settings.HTTP_HOST)).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
          yield false;
        }
      }
    };
  }

  /** Port 0 means any free port; it is picked here so that every event loop's server shares it. */
  private static int resolvePort(String host, int port) {
    if (port != 0) {
      return port;
    }
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot find a free port on " + host, e);
    }
  }

  private HttpServerOptions httpOptions(int port) {
    java.time.Duration idleTimeout = config.get(Settings.LIMITS_IDLE_TIMEOUT);
    // A quiet long-poll or watch connection sends nothing until its wait ends or its next
    // progress message: the idle timeout must not cut it first.
    for (var shorter : java.util.List.of(Settings.LIMITS_MAX_WAIT, Settings.WATCH_PROGRESS_INTERVAL)) {
      if (idleTimeout.compareTo(config.get(shorter)) <= 0) {
        throw new IllegalArgumentException(Settings.LIMITS_IDLE_TIMEOUT.envName() + " (" + idleTimeout
            + ") must be longer than " + shorter.envName() + " (" + config.get(shorter) + ")");
      }
    }
    if (config.get(Settings.LIMITS_MAX_WEB_SOCKET_FRAME_BYTES) > config.get(Settings.LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES)) {
      throw new IllegalArgumentException(Settings.LIMITS_MAX_WEB_SOCKET_FRAME_BYTES.envName()
          + " must not exceed " + Settings.LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES.envName());
    }
    HttpServerOptions options = new HttpServerOptions()
        .setHost(config.get(Settings.HTTP_HOST))
        .setPort(port)
        .setHttp2ClearTextEnabled(true)
        .setHandle100ContinueAutomatically(false)
        .setMaxHeaderSize(config.get(Settings.LIMITS_MAX_HEADER_BYTES).intValue())
        .setMaxInitialLineLength(config.get(Settings.LIMITS_MAX_URL_BYTES).intValue())
        .setMaxWebSocketFrameSize(config.get(Settings.LIMITS_MAX_WEB_SOCKET_FRAME_BYTES).intValue())
        .setMaxWebSocketMessageSize(config.get(Settings.LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES).intValue())
        .setIdleTimeout((int) idleTimeout.toMillis())
        .setIdleTimeoutUnit(java.util.concurrent.TimeUnit.MILLISECONDS)
        .setTcpNoDelay(true)
        // WebSocket compression would add an extension handler to every HTTP/1.1 connection's
        // pipeline (~13% of GET time in a JFR profile) and a deflater per watcher, for frames
        // that are small JSON events.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        .setInitialSettings(new Http2Settings()
            .setMaxConcurrentStreams(config.get(Settings.LIMITS_MAX_CONCURRENT_STREAMS))
            .setMaxHeaderListSize(config.get(Settings.LIMITS_MAX_HEADER_BYTES)));
    String cert = config.get(Settings.TLS_CERT);
    String key = config.get(Settings.TLS_KEY);
    if (cert.isEmpty() != key.isEmpty()) {
      throw new IllegalArgumentException("set both SSOT_TLS_CERT and SSOT_TLS_KEY, or neither");
    }
    if (cert.isEmpty() && !config.get(Settings.TLS_CLIENT_AUTH).equals("none")) {
      throw new IllegalArgumentException("tls.clientAuth needs TLS: set SSOT_TLS_CERT and SSOT_TLS_KEY");
    }
    if (!cert.isEmpty()) {
      options.setSsl(true)
          .setUseAlpn(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(cert).setKeyPath(key));
      options.getEnabledSecureTransportProtocols().retainAll(java.util.Set.of("TLSv1.2", "TLSv1.3"));
      clientAuth(options);
      if (OpenSSLEngineOptions.isAvailable()) {
        options.setSslEngineOptions(new OpenSSLEngineOptions());
        LOG.info("TLS through OpenSSL (netty-tcnative), ALPN h2 and http/1.1");
      } else {
        LOG.warn("OpenSSL (netty-tcnative) could not be loaded ({}); TLS falls back to the JDK engine",
            io.netty.handler.ssl.OpenSsl.unavailabilityCause());
      }
    }
    return options;
  }

  /** Mutual TLS: which client certificates the handshake asks for and verifies. */
  private void clientAuth(HttpServerOptions options) {
    String mode = config.get(Settings.TLS_CLIENT_AUTH);
    String ca = config.get(Settings.TLS_CLIENT_CA);
    if (mode.equals("none")) {
      return;
    }
    if (ca.isEmpty()) {
      throw new IllegalArgumentException("tls.clientAuth " + mode + " needs tls.clientCa (SSOT_TLS_CLIENT_CA)");
    }
    options.setClientAuth(mode.equals("required") ? io.vertx.core.http.ClientAuth.REQUIRED
        : io.vertx.core.http.ClientAuth.REQUEST).setTrustOptions(new io.vertx.core.net.PemTrustOptions().addCertPath(ca));
  }

  private void scheduleCompaction() {
    long keepRevisions = config.get(Settings.CHANGELOG_RETENTION_REVISIONS);
    long keepMillis = config.get(Settings.CHANGELOG_RETENTION_AGE).toMillis();
    compactionTimer = vertx.setPeriodic(config.get(Settings.CHANGELOG_COMPACT_INTERVAL).toMillis(), id ->
        vertx.executeBlocking(() -> dataDir.store().compact(keepRevisions, System.currentTimeMillis() - keepMillis,
            postgres == null ? Long.MAX_VALUE : postgres.writeBehind().persistedRevision() + 1),
            false).onFailure(e -> LOG.warn("Compaction failed", e)));
  }

  public int port() {
    return port;
  }

  /** The TLS engine the server runs on. */
  enum TlsEngine { NONE, OPENSSL, JDK }

  TlsEngine tlsEngine() {
    if (!httpOptions.isSsl()) {
      return TlsEngine.NONE;
    }
    return httpOptions.getSslEngineOptions() instanceof OpenSSLEngineOptions ? TlsEngine.OPENSSL : TlsEngine.JDK;
  }

  public MvccStore store() {
    return dataDir.store();
  }

  /** Ends the watches, stops accepting, finishes in-flight requests, flushes and closes the store. Idempotent. */
  public void stop() {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    LOG.info("Stopping");
    vertx.cancelTimer(compactionTimer);
    // Watches never finish by themselves: end them first, so that closing Vert.x below waits
    // only for requests that do (each HTTP server's stop() lets them finish, bounded by
    // shutdown.timeout) and the store is closed after the last of them.
    hub.shutdown();
    // One budget for everything below: the shutdown timeout plus a short grace period.
    long timeoutMillis = config.get(Settings.SHUTDOWN_TIMEOUT).toMillis();
    long deadline = System.currentTimeMillis() + timeoutMillis + 2_000;
    if (postgres != null) {
      // Let the write-behind drain for up to the shutdown timeout; what remains stays in the outbox.
      try {
        postgres.stop(java.time.Duration.ofMillis(timeoutMillis)).toCompletionStage().toCompletableFuture().join();
      } catch (RuntimeException e) {
        LOG.warn("Write-behind did not stop cleanly", e);
      }
    }
    try {
      // HTTP servers finish their in-flight requests within shutdown.timeout; only a resource
      // stuck on an unreachable peer (a PostgreSQL connection in a partition) can take longer,
      // and the store is closed regardless once the budget is spent.
      vertx.close().toCompletionStage().toCompletableFuture()
          .get(Math.max(1_000, deadline - System.currentTimeMillis()), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      LOG.warn("Vert.x did not close within the shutdown timeout; closing the store anyway");
    } catch (java.util.concurrent.ExecutionException | RuntimeException e) {
      LOG.warn("Vert.x did not close cleanly", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      groupCommit.close();
      dataDir.close();
      LOG.info("Stopped at revision {}", dataDir.store().revision());
    } catch (IOException | InterruptedException e) {
      LOG.error("The store did not close cleanly", e);
    }
  }
}
