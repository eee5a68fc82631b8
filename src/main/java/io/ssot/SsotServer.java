package io.ssot;

import io.micrometer.core.instrument.Gauge;
import io.ssot.api.Api;
import io.ssot.api.ClusterRoutes;
import io.ssot.api.FastGet;
import io.ssot.console.ConsoleRoutes;
import io.ssot.console.Overview;
import io.ssot.api.WriteForwarding;
import io.ssot.cluster.ClusterNode;
import io.ssot.cluster.DuplicateNodeId;
import io.ssot.cluster.NodeIdentity;
import io.ssot.core.WriteGate;
import io.ssot.http.BodyBudget;
import io.ssot.http.Compression;
import io.ssot.core.Durability;
import io.ssot.core.LocalDurability;
import io.ssot.core.Writes;
import io.ssot.http.JsonValues;
import io.ssot.http.Limits;
import io.ssot.http.RequestBody;
import io.ssot.http.RequestIds;
import io.ssot.http.Tracing;
import io.ssot.http.ServerOptions;
import io.ssot.api.PgDriftRoutes;
import io.ssot.api.Routes;
import io.ssot.api.SnapshotRoutes;
import io.ssot.config.Config;
import io.ssot.config.Consistency;
import io.ssot.config.Settings;
import io.ssot.config.StartupFailure;
import io.ssot.limit.Admission;
import io.ssot.limit.ClientIdentity;
import io.ssot.limit.ConnectionLimit;
import io.ssot.limit.IdleConnections;
import io.ssot.limit.RateLimiter;
import io.ssot.ops.ApiDocumentRoutes;
import io.ssot.ops.Backups;
import io.ssot.ops.Compaction;
import io.ssot.ops.HealthRoutes;
import io.ssot.ops.LogFormat;
import io.ssot.ops.Metrics;
import io.ssot.cluster.Orphans;
import io.ssot.persist.Bootstrap;
import io.ssot.persist.PgDrift;
import io.ssot.persist.PgSeed;
import io.ssot.persist.PgLocation;
import io.ssot.persist.Postgres;
import io.ssot.schema.JsonSchemas;
import io.ssot.schema.PrefixSchemas;
import io.ssot.security.AuthHandler;
import io.ssot.security.ConsoleSessions;
import io.ssot.security.BootstrapToken;
import io.ssot.security.ClientCertificates;
import io.ssot.security.FastReadAuth;
import io.ssot.security.TlsOptions;
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
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiPredicate;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assembled server: the wiring of the packages and the order in which they start and stop.
 * Start-up: check that the settings fit together; with PostgreSQL, migrate its schema and, into
 * an empty data directory, bootstrap the store from it; open the data directory (replaying the
 * change log after an unclean stop); with PostgreSQL, check that both histories agree and start
 * the write-behind; then the watch hub, then the HTTP servers, then the compaction schedule.
 * {@link #stop()} reverses it: end the watches, stop accepting and finish in-flight requests,
 * then flush and close the store.
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
  /** Cluster mode: this node in its cluster and the gate of its writes; null when it runs alone. */
  private final ClusterNode cluster;
  private final AtomicBoolean stopping = new AtomicBoolean();
  /** Completed with the reason when this cluster node's store diverged from PostgreSQL's history. */
  private final CompletableFuture<String> rebuildNeeded = new CompletableFuture<>();
  /** Null unless otel.endpoint is set. */
  private final Tracing tracing;
  private Compaction compaction;
  private Backups backups;
  /** Compares the store with PostgreSQL now and then; null without PostgreSQL. */
  private final PgDrift drift;
  /** Where PostgreSQL is; null without it. */
  private final PgLocation pg;
  private HttpServerOptions httpOptions;
  private int port;
  /** The router of one event loop (each has its own, all alike): what {@code /openapi.json} describes. */
  private volatile Router router;

  private SsotServer(Config config, DataDir dataDir, Metrics metrics, Vertx vertx, PgLocation pg, long persisted,
                     ValueCipher cipher, String bootstrapToken, Tracing tracing) {
    this.tracing = tracing;
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
    this.pg = pg;
    this.drift = pg == null ? null : new PgDrift(vertx, store, pg, config.get(Settings.PG_DRIFT_CHECK_INTERVAL));
    this.cluster = config.get(Settings.CLUSTER_ENABLED)
        ? new ClusterNode(vertx, store, postgres.writeBehind(), pg, config) : null;
    this.writes = new Writes(store, schemas, cipher, durability, postgres == null ? null : postgres.history(),
        cluster == null ? WriteGate.OPEN : cluster);
    if (encryptionMarker != null && cluster == null) {
      writes.recordEncryptionMarker(encryptionMarker);
    } else if (encryptionMarker != null) {
      // Only a leader commits: the cluster gets one marker, from its first leader, and the others
      // receive it as any other revision (a node that recorded its own would diverge).
      cluster.whenLeading(() -> {
        if (store.get(ValueCipher.MARKER_KEY) == null) {
          writes.recordEncryptionMarker(encryptionMarker);
        }
      });
    }
    this.hub = new WatchHub(vertx, store, cipher, config.get(Settings.WATCH_PROGRESS_INTERVAL).toMillis(),
        config.get(Settings.WATCH_SLOW_CONSUMER_GRACE).toMillis(), config.get(Settings.WATCH_MAX_QUEUE_BYTES),
        WatchOutputBudget.of(config.get(Settings.WATCH_MAX_QUEUED_BYTES_TOTAL)));
    this.tokens = new TokenRegistry(store, bootstrapToken);
    tokens.startExpiryChecks(vertx);
    metrics.bind(store, hub);
    if (postgres != null) {
      metrics.bind(postgres.writeBehind());
      metrics.bind(drift);
      if (tracing != null) {
        postgres.writeBehind().trace(tracing);
      }
    }
    if (cluster != null) {
      cluster.whenDiverged(rebuildNeeded::complete);
      hub.tellOnlyUpTo(postgres.writeBehind()::persistedRevision);
      postgres.writeBehind().addPersistedListener(revision -> hub.tellableAdvanced());
      metrics.bind(cluster);
      hub.revisionWaits().leaderRevision(new io.ssot.cluster.LeaderRevisions(vertx, cluster, store)::revision);
    }
  }

  /** Opens the store and starts serving; blocks until the port is bound. */
  public static SsotServer start(Config config) throws IOException {
    Consistency.check(config);
    LogFormat.apply(config.get(Settings.LOG_FORMAT));
    ValueCipher cipher = ValueCipher.configure(config.get(Settings.ENCRYPTION_KEY_FILE),
        config.get(Settings.ENCRYPTION_PREFIXES));
    String pgUrl = config.get(Settings.PG_URL);
    PgLocation pg = pgUrl.isEmpty() ? null : PgLocation.parse(pgUrl);
    long persisted = pg == null ? 0 : Postgres.prepare(pg);
    Path dataPath = Path.of(config.get(Settings.DATA_DIR));
    DataDir.Options storeOptions = storeOptions(config);
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
    Tracing tracing = Tracing.start(config.get(Settings.OTEL_ENDPOINT));
    int loops = config.get(Settings.HTTP_EVENT_LOOPS);
    if (loops == 0) {
      loops = Runtime.getRuntime().availableProcessors();
    }
    Vertx vertx = startVertx(loops, metrics, tracing);
    DataDir dataDir;
    try {
      dataDir = opening.join();
    } catch (CompletionException e) {
      vertx.close();
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    if (pg != null && config.get(Settings.CLUSTER_ENABLED)) {
      // PostgreSQL decides in a cluster: what only this store holds is saved aside, not served.
      try {
        Orphans.Settled settled = Orphans.settle(dataDir, dataPath, storeOptions, pg, persisted,
            config.get(Settings.CHANGELOG_RETENTION_REVISIONS));
        dataDir = settled.dataDir();
        persisted = settled.persisted();
      } catch (IOException | RuntimeException e) {
        vertx.close();
        throw e;
      }
    }
    SsotServer server;
    try {
      if (pg != null && persisted == 0 && !config.get(Settings.CLUSTER_ENABLED)) {
        // A data directory restored from a snapshot, with an empty database: the database gets its state.
        long seeded = PgSeed.afterOfflineRestore(pg, dataDir.store());
        persisted = seeded > 0 ? seeded : persisted;
      }
      if (pg != null) {
        Postgres.checkContinuity(dataDir.store(), persisted, pg, config.get(Settings.CLUSTER_ENABLED));
      }
      String bootstrapToken = config.get(Settings.AUTH_ENABLED)
          ? BootstrapToken.resolve(config.get(Settings.ADMIN_TOKEN), dataPath) : null;
      server = new SsotServer(config, dataDir, metrics, vertx, pg, persisted, cipher, bootstrapToken, tracing);
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
    if (server.cluster != null) {
      NodeIdentity self = NodeIdentity.from(config, server.port);
      try {
        DuplicateNodeId.refuse(pg, self, config.get(Settings.CLUSTER_POLL_INTERVAL).toMillis());
      } catch (RuntimeException e) {
        server.stop();
        throw e;
      }
      server.cluster.start(self);
    }
    return server;
  }

  private static DataDir.Options storeOptions(Config config) {
    return new DataDir.Options(config.get(Settings.STORE_MAX_KEYS), config.get(Settings.STORE_AVERAGE_VALUE_BYTES),
        config.get(Settings.CHANGELOG_SEGMENT_BYTES), config.get(Settings.STORE_MIN_FREE_DISK_BYTES));
  }

  private static Vertx startVertx(int eventLoops, Metrics metrics, Tracing tracing) {
    // The request's context slots exist in the contexts of Vert.x instances built after they are registered.
    RequestIds.ensureRegistered();
    Tracing.ensureRegistered();
    VertxOptions options = new VertxOptions()
        .setEventLoopPoolSize(eventLoops)
        .setPreferNativeTransport(true)
        // It serves no files from the class path: no vertx-cache directory in /tmp, which a
        // process that is killed would leave behind.
        .setFileSystemOptions(new FileSystemOptions().setClassPathResolvingEnabled(false))
        .setMetricsOptions(Metrics.vertxMetricsOptions());
    return Vertx.builder().with(options).withMetrics(metrics.vertxMetricsFactory(tracing)).build();
  }

  private Future<Void> listen(int instances) {
    MvccStore store = dataDir.store();
    Limits limits = Limits.from(config);
    Api api = new Api(store, writes, hub, limits, new JsonValues(limits.maxJsonDepth()),
        defaultSync(config), postgres == null ? null : postgres.history(), cipher,
        RequestBody.from(config), Compression.from(config));
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
    ConsoleSessions consoleSessions = new ConsoleSessions(tokens, config.get(Settings.UI_SESSION_TTL).toMillis());
    consoleSessions.startExpiryChecks(vertx);
    AuthHandler auth = new AuthHandler(config.get(Settings.AUTH_ENABLED), monitoringOpen(), tokens, certificates,
        config.get(Settings.AUTH_MAX_FAILURES_PER_MINUTE), consoleSessions);
    ConsoleRoutes consoleRoutes = new ConsoleRoutes(auth, consoleSessions, api.bodies(),
        new Overview(store, hub, metrics.registry(), postgres == null ? null : postgres.writeBehind(), cluster));
    String backupDir = config.get(Settings.BACKUP_DIR);
    backups = backupDir.isEmpty() ? null : new Backups(vertx, store, Path.of(backupDir),
        config.get(Settings.BACKUP_INTERVAL), config.get(Settings.BACKUP_RETAIN), metrics.registry());
    HealthRoutes healthRoutes = new HealthRoutes(store, dataDir.diskSpace(), postgres, metrics, stopping::get,
        cluster).backups(backups).drift(drift);
    ClusterRoutes clusterRoutes = cluster == null ? null : new ClusterRoutes(cluster);
    ApiDocumentRoutes apiDocument = ApiDocumentRoutes.load();
    SnapshotRoutes snapshotRoutes = new SnapshotRoutes(api, Path.of(config.get(Settings.DATA_DIR)),
        postgres == null ? null : postgres.writeBehind(), pg, cluster != null);
    HttpServerOptions options = ServerOptions.from(config);
    TlsOptions.apply(config, options);
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
      FastGet handler = Routes.handler(v, api, auth, fastRead, instances, r -> {
        admission.mount(r);
        watchRoutes.mount(r);
        tokenRoutes.mount(r);
        healthRoutes.mount(r);
        consoleRoutes.mount(r);
        apiDocument.mount(r);
        snapshotRoutes.mount(r);
        if (drift != null) {
          new PgDriftRoutes(drift).mount(r);
        }
        if (clusterRoutes != null) {
          clusterRoutes.mount(r);
          new WriteForwarding(v, api, cluster, config, tracing).mount(r);
        }
      });
      router = handler.router();
      return handler;
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

  /**
   * Whether writes wait for durability unless a request says otherwise: {@code durability}, which
   * in cluster mode defaults to sync (acknowledged means in PostgreSQL, which survives a failover).
   */
  static boolean defaultSync(Config config) {
    if (config.get(Settings.CLUSTER_ENABLED) && !config.isGiven(Settings.DURABILITY)) {
      return true;
    }
    return config.get(Settings.DURABILITY).equals("sync");
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

  private void scheduleCompaction() {
    compaction = Compaction.schedule(vertx, dataDir.store(), config, () ->
        postgres == null ? Long.MAX_VALUE : postgres.writeBehind().persistedRevision() + 1);
  }

  public int port() {
    return port;
  }

  /** The routes the server mounts (of one event loop's router; the others are alike), for the API document's test. */
  public List<Route> routes() {
    return router.getRoutes();
  }

  /** The TLS engine the server runs on. */
  TlsOptions.Engine tlsEngine() {
    return TlsOptions.engine(httpOptions);
  }

  public MvccStore store() {
    return dataDir.store();
  }

  /** Requests waiting for a revision ({@code ?minRevision}), for tests. */
  public io.ssot.watch.RevisionWaits revisionWaits() {
    return hub.revisionWaits();
  }

  /**
   * Completes, with the reason, when this cluster node finds revisions in its store that
   * PostgreSQL's history does not hold (committed as a leader just before it was deposed). It must
   * not serve them: {@link #stopToRebuild()}, then {@link #start} again, which saves them aside
   * and rebuilds the store from PostgreSQL.
   */
  public CompletableFuture<String> rebuildNeeded() {
    return rebuildNeeded;
  }

  /** Ends the watches, stops accepting, finishes in-flight requests, flushes and closes the store. Idempotent. */
  public void stop() {
    stop(true);
  }

  /**
   * As {@link #stop()}, without letting the write-behind drain: the store diverged, and whatever
   * is left to write is refused by PostgreSQL's term anyway.
   */
  public void stopToRebuild() {
    stop(false);
  }

  private void stop(boolean drainWriteBehind) {
    if (!stopping.compareAndSet(false, true)) {
      return;
    }
    LOG.info("Stopping");
    if (compaction != null) {
      compaction.cancel();
    }
    if (backups != null) {
      backups.cancel();
    }
    if (drift != null) {
      drift.cancel();
    }
    // Watches never finish by themselves: end them first, so that closing Vert.x below waits
    // only for requests that do (each HTTP server's stop() lets them finish, bounded by
    // shutdown.timeout) and the store is closed after the last of them.
    hub.shutdown();
    // One budget for everything below: the shutdown timeout plus a short grace period.
    long timeoutMillis = config.get(Settings.SHUTDOWN_TIMEOUT).toMillis();
    long deadline = System.currentTimeMillis() + timeoutMillis + 2_000;
    if (cluster != null) {
      cluster.refuseWrites();
    }
    if (postgres != null) {
      // Let the write-behind drain for up to the shutdown timeout; what remains stays in the outbox.
      try {
        postgres.stop(java.time.Duration.ofMillis(drainWriteBehind ? timeoutMillis : 1))
            .toCompletionStage().toCompletableFuture().join();
      } catch (RuntimeException e) {
        LOG.warn("Write-behind did not stop cleanly", e);
      }
    }
    if (cluster != null) {
      // After the drain: the lock (and with it the term) is released once this node's writes are in PostgreSQL.
      cluster.stop(java.time.Duration.ofSeconds(2)).toCompletionStage().toCompletableFuture().join();
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
      if (tracing != null) {
        tracing.close();
      }
      LOG.info("Stopped at revision {}", dataDir.store().revision());
    } catch (IOException | InterruptedException e) {
      LOG.error("The store did not close cleanly", e);
    }
  }
}
