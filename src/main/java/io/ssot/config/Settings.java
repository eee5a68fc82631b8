package io.ssot.config;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/** Every setting, in one table: name, default, validation and meaning side by side. */
public final class Settings {

  private Settings() {
  }

  public static final Setting<String> HTTP_HOST = new Setting<>("http.host", "127.0.0.1",
      Parsers::text, "Address to bind.");
  public static final Setting<Integer> HTTP_PORT = new Setting<>("http.port", "8080",
      s -> Parsers.intIn(s, 0, 65535), "Port for HTTP/1.1, h2c and (with TLS) h2; 0 picks a free one.");
  public static final Setting<Integer> HTTP_EVENT_LOOPS = new Setting<>("http.eventLoops", "0",
      s -> Parsers.intIn(s, 0, 256), "Event loops serving HTTP; 0 means one per CPU core.");
  public static final Setting<String> DATA_DIR = new Setting<>("data.dir", "./data",
      Parsers::text, "Directory of the memory-mapped store and change log.");
  public static final Setting<String> PG_URL = new Setting<>("pg.url", "",
      Parsers::text, "PostgreSQL for write-behind and full history, e.g. postgresql://postgres@127.0.0.1:5432/test; empty: none.");
  public static final Setting<Integer> PG_POOL_SIZE = new Setting<>("pg.poolSize", "4",
      s -> Parsers.intIn(s, 1, 64), "Connections to PostgreSQL.");
  public static final Setting<Integer> PG_MAX_BATCH_REVISIONS = new Setting<>("pg.maxBatchRevisions", "5000",
      s -> Parsers.intIn(s, 1, 1_000_000), "Most revisions written to PostgreSQL in one transaction.");
  public static final Setting<Long> PG_MAX_OUTBOX_REVISIONS = new Setting<>("pg.maxOutboxRevisions", "1000000",
      s -> Parsers.longIn(s, 1, Long.MAX_VALUE),
      "Revisions not yet in PostgreSQL before writes are refused with 503 + Retry-After.");
  public static final Setting<Duration> PG_CIRCUIT_RESET_TIMEOUT = new Setting<>("pg.circuitResetTimeout", "2s",
      Parsers::duration, "How long the circuit to PostgreSQL stays open before a retry.");
  public static final Setting<Duration> PG_SYNC_TIMEOUT = new Setting<>("pg.syncTimeout", "10s",
      Parsers::duration, "How long a durability=sync write waits for PostgreSQL before 503.");
  public static final Setting<Duration> PG_HEALTH_TIMEOUT = new Setting<>("pg.healthTimeout", "2s",
      Parsers::duration, "PostgreSQL that has not answered a probe (sent every half of this) for this long is "
          + "reported down by /health/ready.");
  public static final Setting<Long> PG_HISTORY_RETENTION_REVISIONS = new Setting<>(
      "pg.historyRetentionRevisions", "0", s -> Parsers.longIn(s, 0, Long.MAX_VALUE),
      "Keep this many latest revisions of history in PostgreSQL; 0 keeps everything.");
  public static final Setting<String> REDIS_URL = new Setting<>("redis.url", "",
      Parsers::text, "Redis carrying the leader's commits to the followers in cluster mode, e.g. redis://127.0.0.1:6379 (followers poll PostgreSQL alongside); empty: they poll PostgreSQL alone.");
  public static final Setting<Boolean> CLUSTER_ENABLED = new Setting<>("cluster.enabled", "false",
      Parsers::bool, "Cluster mode: several nodes on one PostgreSQL database (needs pg.url); one leader commits.");
  public static final Setting<String> CLUSTER_NODE_ID = new Setting<>("cluster.nodeId", "",
      Parsers::text, "This node's id in the cluster; empty: <host name>:<http.port>.");
  public static final Setting<String> CLUSTER_ADVERTISE_URL = new Setting<>("cluster.advertiseUrl", "",
      Parsers::text, "The URL other nodes and clients reach this node at; empty: http://<http.host>:<http.port>.");
  public static final Setting<String> CLUSTER_NAME = new Setting<>("cluster.name", "ssot",
      Parsers::text, "The cluster's name: nodes with the same name on one database form one cluster.");
  public static final Setting<Duration> CLUSTER_LEASE_TIMEOUT = new Setting<>("cluster.leaseTimeout", "2s",
      Parsers::duration, "A leader that cannot confirm its PostgreSQL lock for this long stops committing.");
  public static final Setting<Duration> CLUSTER_POLL_INTERVAL = new Setting<>("cluster.pollInterval", "1s",
      Parsers::duration, "How often a follower reads PostgreSQL for revisions it lacks, and each node heartbeats.");
  public static final Setting<Long> CLUSTER_REDIS_STREAM_LENGTH = new Setting<>("cluster.redisStreamLength", "100000",
      s -> Parsers.longIn(s, 1, 1L << 40), "Commits the Redis stream keeps (about: trimmed with MAXLEN ~); a follower further behind catches up from PostgreSQL.");
  public static final Setting<Duration> CLUSTER_FORWARD_CONNECT_TIMEOUT = new Setting<>("cluster.forwardConnectTimeout",
      "2s", Parsers::duration, "A follower that cannot connect to the leader within this answers a write 503 not-leader (nothing was sent).");
  public static final Setting<Duration> CLUSTER_FORWARD_ANSWER_TIMEOUT = new Setting<>("cluster.forwardAnswerTimeout",
      "30s", Parsers::duration, "Longest silence from the leader after a forwarded write was sent; then 503 saying the write may or may not have been applied.");
  public static final Setting<Duration> CLUSTER_FORWARD_APPLY_WAIT = new Setting<>("cluster.forwardApplyWait",
      "5s", Parsers::duration, "How long a follower waits for the revision of a forwarded write to reach its own store before answering anyway.");
  public static final Setting<String> ADMIN_TOKEN = new Setting<>("admin.token", "",
      Parsers::text, "Bootstrap admin token (16 to 512 visible ASCII characters); empty: generated on the first start into <data.dir>/admin.token (mode 0600).");
  public static final Setting<Boolean> AUTH_ENABLED = new Setting<>("auth.enabled", "true",
      Parsers::bool, "Require a bearer token on every /v1 call; false: everyone acts as anonymous with every role.");
  public static final Setting<String> AUTH_ANONYMOUS_MONITORING = new Setting<>("auth.anonymousMonitoring", "loopback",
      s -> Parsers.oneOf(s, Set.of("loopback", "always", "never")),
      "Whether /health/ready and /metrics answer without a token: loopback (only when http.host is a loopback address), always or never.");
  public static final Setting<Integer> AUTH_MAX_FAILURES_PER_MINUTE = new Setting<>("auth.maxFailuresPerMinute", "20",
      s -> Parsers.intIn(s, 0, 1_000_000),
      "Failed authentications one client address may make per minute before it gets 429 for the rest of that minute; 0: no limit.");
  public static final Setting<Duration> UI_SESSION_TTL = new Setting<>("ui.sessionTtl", "12h",
      s -> Parsers.durationIn(s, Duration.ofMinutes(1), Duration.ofDays(30)),
      "How long a web console login lasts (never longer than its token); logout or revoking the token ends it sooner.");
  public static final Setting<String> TLS_CERT = new Setting<>("tls.cert", "",
      Parsers::text, "PEM certificate chain; with tls.key, serves h2 and HTTP/1.1 over TLS instead of cleartext.");
  public static final Setting<String> TLS_KEY = new Setting<>("tls.key", "",
      Parsers::text, "PEM private key (PKCS#8) of tls.cert.");
  public static final Setting<String> ENCRYPTION_KEY_FILE = new Setting<>("encryption.keyFile", "",
      Parsers::text, "File holding the AES-256 key for encryption at rest: 32 raw bytes or their base64; empty: none.");
  public static final Setting<String> ENCRYPTION_PREFIXES = new Setting<>("encryption.prefixes", "",
      Parsers::text, "Comma-separated key prefixes (plain byte prefixes) whose values are encrypted at rest; needs encryption.keyFile.");
  public static final Setting<String> TLS_CLIENT_AUTH = new Setting<>("tls.clientAuth", "none",
      s -> Parsers.oneOf(s, Set.of("none", "request", "required")),
      "Mutual TLS: none; request (a client certificate signed by tls.clientCa authenticates a request without a bearer token); required (the TLS handshake needs one).");
  public static final Setting<String> TLS_CLIENT_CA = new Setting<>("tls.clientCa", "",
      Parsers::text, "PEM file of the certificate authorities whose client certificates are accepted (with tls.clientAuth).");
  public static final Setting<String> TLS_CLIENT_ROLES = new Setting<>("tls.clientRoles", "",
      Parsers::text, "Roles of client-certificate principals by subject CN: name=role:prefix,role:prefix;name=... (e.g. ops=admin:).");
  public static final Setting<Long> STORE_MAX_KEYS = new Setting<>("store.maxKeys", "100000",
      s -> Parsers.longIn(s, 1000, 1L << 34),
      "Keys the store file is sized for (allocated up front: about 66 MiB for 100000 keys of 512 bytes); it grows in tiers to 8x this, more slowly. Fixed when the file is created.");
  public static final Setting<Integer> STORE_AVERAGE_VALUE_BYTES = new Setting<>("store.averageValueBytes", "512",
      s -> Parsers.intIn(s, 16, 1 << 20), "Expected average stored entry size, for sizing the store file.");
  public static final Setting<Long> STORE_MIN_FREE_DISK_BYTES = new Setting<>("store.minFreeDiskBytes", "64MiB",
      s -> Parsers.bytesIn(s, 0, 1L << 50),
      "Writes get 507 insufficient-storage while the data directory's disk has less free space; reads go on.");
  public static final Setting<Long> CHANGELOG_SEGMENT_BYTES = new Setting<>("changelog.segmentBytes", "16MiB",
      s -> Parsers.bytesIn(s, 64 << 10, 1L << 30), "Size of one change-log segment file, allocated on disk when the log rolls to it.");
  public static final Setting<Long> CHANGELOG_RETENTION_REVISIONS = new Setting<>(
      "changelog.retentionRevisions", "1000000", s -> Parsers.longIn(s, 1, Long.MAX_VALUE),
      "Keep at least this many latest revisions for watch resume, history and atRevision.");
  public static final Setting<Duration> CHANGELOG_RETENTION_AGE = new Setting<>("changelog.retentionAge", "7d",
      Parsers::duration, "Also keep every revision younger than this.");
  public static final Setting<Duration> CHANGELOG_COMPACT_INTERVAL = new Setting<>(
      "changelog.compactInterval", "1m", Parsers::duration, "How often compaction runs.");
  public static final Setting<String> BACKUP_DIR = new Setting<>("backup.dir", "", Parsers::text,
      "Directory for scheduled snapshots (ssot-<UTC time>.snapshot, each written atomically and verified); empty: no "
          + "scheduled backups.");
  public static final Setting<Duration> BACKUP_INTERVAL = new Setting<>("backup.interval", "1h",
      Parsers::positiveDuration, "How often a scheduled snapshot is written into backup.dir.");
  public static final Setting<Integer> BACKUP_RETAIN = new Setting<>("backup.retain", "7",
      s -> Parsers.intIn(s, 1, 100_000), "How many of the newest snapshots backup.dir keeps; older ones are deleted "
          + "after each new one is verified.");
  public static final Setting<Duration> PG_DRIFT_CHECK_INTERVAL = new Setting<>("pg.driftCheckInterval", "5m",
      Parsers::duration, "How often the current state is compared with PostgreSQL's ssot_current at the persisted "
          + "revision (reported as ssot_pg_drift_keys, in readiness and in the audit log; never repaired); 0: never.");
  public static final Setting<String> DURABILITY = new Setting<>("durability", "local",
      s -> Parsers.oneOf(s, Set.of("local", "sync")),
      "Default write durability: local (memory-mapped store and change log) or sync (forced to disk; with "
          + "PostgreSQL, committed there). In cluster mode the default is sync unless this is set.");
  public static final Setting<Long> LIMITS_MAX_VALUE_BYTES = new Setting<>("limits.maxValueBytes", "1MiB",
      s -> Parsers.bytesIn(s, 1, 64 << 20), "Largest value (PUT body).");
  public static final Setting<Integer> LIMITS_MAX_JSON_DEPTH = new Setting<>("limits.maxJsonDepth", "64",
      s -> Parsers.intIn(s, 1, 1000), "Deepest nesting of a value.");
  public static final Setting<Duration> LIMITS_MAX_WAIT = new Setting<>("limits.maxWait", "60s",
      Parsers::duration, "Longest long-poll wait; longer requests are capped.");
  public static final Setting<Long> LIMITS_MAX_TXN_BYTES = new Setting<>("limits.maxTxnBytes", "8MiB",
      s -> Parsers.bytesIn(s, 1024, 256 << 20), "Largest txn or rollback request body.");
  public static final Setting<Integer> LIMITS_MAX_TXN_OPS = new Setting<>("limits.maxTxnOps", "128",
      s -> Parsers.intIn(s, 1, 10_000), "Most compares, and most ops per branch, in one txn.");
  public static final Setting<Long> LIMITS_MAX_TXN_READ_BYTES = new Setting<>("limits.maxTxnReadBytes", "4MiB",
      s -> Parsers.bytesIn(s, 1024, 1L << 30),
      "Most bytes the gets of one txn may read together (values and keys, near enough, counted as for "
          + "limits.maxPageBytes); a txn whose gets would read more is refused with 422 txn-reads-too-large and "
          + "changes nothing. A txn with a single get is always answered.");
  public static final Setting<Long> LIMITS_MAX_HEADER_BYTES = new Setting<>("limits.maxHeaderBytes", "8KiB",
      s -> Parsers.bytesIn(s, 1024, 1 << 20), "Largest request header block.");
  public static final Setting<Long> LIMITS_MAX_URL_BYTES = new Setting<>("limits.maxUrlBytes", "4KiB",
      s -> Parsers.bytesIn(s, 1024, 1 << 20), "Longest request line.");
  public static final Setting<Integer> LIMITS_MAX_WATCHES_PER_CONNECTION = new Setting<>(
      "limits.maxWatchesPerConnection", "1000", s -> Parsers.intIn(s, 1, 1_000_000),
      "Most watches open on one WebSocket.");
  public static final Setting<Long> LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES = new Setting<>(
      "limits.maxWebSocketMessageBytes", "64KiB", s -> Parsers.bytesIn(s, 1024, 16 << 20),
      "Largest WebSocket message a client may send.");
  public static final Setting<Long> LIMITS_MAX_WEB_SOCKET_FRAME_BYTES = new Setting<>(
      "limits.maxWebSocketFrameBytes", "64KiB", s -> Parsers.bytesIn(s, 1024, 16 << 20),
      "Largest WebSocket frame a client may send (a message may span frames up to maxWebSocketMessageBytes).");
  public static final Setting<Integer> LIMITS_MAX_KEY_BYTES = new Setting<>("limits.maxKeyBytes", "512",
      s -> Parsers.intIn(s, 1, 512), "Longest key a request may name (the key grammar's own maximum is 512).");
  public static final Setting<Integer> LIMITS_MAX_PAGE_SIZE = new Setting<>("limits.maxPageSize", "1000",
      s -> Parsers.intIn(s, 1, 100_000), "Largest limit a list or history request may ask for.");
  public static final Setting<Long> LIMITS_MAX_PAGE_BYTES = new Setting<>("limits.maxPageBytes", "4MiB",
      s -> Parsers.bytesIn(s, 1024, 1L << 30),
      "Largest list or history page, in bytes (values and keys, near enough); a page stops before the item that "
          + "would pass it (it always holds one) and its next says where to go on.");
  public static final Setting<Integer> LIMITS_MAX_CONNECTIONS = new Setting<>("limits.maxConnections", "10000",
      s -> Parsers.intIn(s, 1, 10_000_000),
      "Most open client connections; requests on one more are answered 503 + Retry-After and it is closed.");
  public static final Setting<Integer> LIMITS_MAX_CONCURRENT_STREAMS = new Setting<>(
      "limits.maxConcurrentStreams", "1000", s -> Parsers.intIn(s, 1, 1_000_000),
      "Most concurrent HTTP/2 streams (requests and SSE watches) on one connection.");
  public static final Setting<Duration> LIMITS_IDLE_TIMEOUT = new Setting<>("limits.idleTimeout", "120s",
      Parsers::duration, "A connection (HTTP/1.1 keep-alive, h2, WebSocket, SSE) with no bytes either way for this "
          + "long is closed; must exceed limits.maxWait and watch.progressInterval.");
  public static final Setting<Duration> LIMITS_WEB_SOCKET_IDLE_TIMEOUT = new Setting<>(
      "limits.webSocketIdleTimeout", "60s", Parsers::duration,
      "A WebSocket with no open watch and no message from its client for this long is closed (1000).");
  public static final Setting<Long> LIMITS_MAX_BODY_BYTES_IN_FLIGHT = new Setting<>("limits.maxBodyBytesInFlight",
      "0", s -> Parsers.bytesIn(s, 0, 1L << 40),
      "Request-body bytes all connections together may hold at once (beyond: 503 + Retry-After); 0 means an "
          + "eighth of the max heap, and at least limits.maxTxnBytes and limits.maxValueBytes.");
  public static final Setting<Duration> LIMITS_BODY_TIMEOUT = new Setting<>("limits.bodyTimeout", "30s",
      Parsers::positiveDuration,
      "A request body not received in full this long after its head is answered 408 and its connection closed.");
  public static final Setting<Long> RATE_LIMIT_READS_PER_SECOND = new Setting<>("rateLimit.readsPerSecond", "100000",
      s -> Parsers.longIn(s, 0, 1_000_000_000),
      "Reads (get, list, history, watch creation) per second per client identity; 0 = unlimited.");
  public static final Setting<Long> RATE_LIMIT_READ_BURST = new Setting<>("rateLimit.readBurst", "200000",
      s -> Parsers.longIn(s, 1, 1_000_000_000), "Reads a client identity may make at once above its rate.");
  public static final Setting<Long> RATE_LIMIT_WRITES_PER_SECOND = new Setting<>("rateLimit.writesPerSecond",
      "20000", s -> Parsers.longIn(s, 0, 1_000_000_000),
      "Writes (put, delete, txn, rollback) per second per client identity; 0 = unlimited.");
  public static final Setting<Long> RATE_LIMIT_WRITE_BURST = new Setting<>("rateLimit.writeBurst", "40000",
      s -> Parsers.longIn(s, 1, 1_000_000_000), "Writes a client identity may make at once above its rate.");
  public static final Setting<Integer> RATE_LIMIT_MAX_IDENTITIES = new Setting<>("rateLimit.maxIdentities",
      "100000", s -> Parsers.intIn(s, 100, 100_000_000),
      "Client identities whose buckets are kept in memory; idle and rare ones are evicted first.");
  public static final Setting<Duration> WATCH_PROGRESS_INTERVAL = new Setting<>("watch.progressInterval", "10s",
      Parsers::duration, "How often a quiet watch is told the revision it has reached.");
  public static final Setting<Long> WATCH_MAX_QUEUE_BYTES = new Setting<>("watch.maxQueueBytes", "1MiB",
      s -> Parsers.bytesIn(s, 4096, 1L << 30),
      "Unsent bytes one watch connection (a WebSocket, or an HTTP/1.1 or HTTP/2 connection with its SSE streams) "
          + "may hold; a watch that finds it full waits, and is cancelled (slow-consumer) if the connection then "
          + "writes nothing for watch.slowConsumerGrace. Large plain answers (GETs of 16 KiB or more, list and "
          + "history pages) wait while their connection holds over half of it.");
  public static final Setting<Long> WATCH_MAX_QUEUED_BYTES_TOTAL = new Setting<>("watch.maxQueuedBytesTotal", "0",
      s -> Parsers.bytesIn(s, 0, 1L << 40),
      "Unsent watch bytes all connections together may hold (an events array shared by many watchers counts "
          + "once), large plain answers included; a watch that finds no room waits, a large answer is refused with "
          + "503 + Retry-After. 0: one eighth of the maximum heap.");
  public static final Setting<Duration> WATCH_SLOW_CONSUMER_GRACE = new Setting<>("watch.slowConsumerGrace", "5s",
      Parsers::duration, "How long a full watch connection may write nothing before its waiting watches are cancelled "
          + "(slow-consumer); a connection that has not taken that error after as long again is closed.");
  public static final Setting<String> LOG_FORMAT = new Setting<>("log.format", "text",
      s -> Parsers.oneOf(s, Set.of("text", "json")),
      "The server log: text lines, or JSON lines (one object per line, with the request id in mdc.requestId).");
  public static final Setting<Boolean> HTTP_COMPRESSION = new Setting<>("http.compression", "true",
      Parsers::bool, "gzip answers of at least http.compressionMinBytes to clients that accept it (list, history "
          + "and schema pages, txn answers, Spring config documents, /metrics); never a single-key GET or a watch.");
  public static final Setting<Long> HTTP_COMPRESSION_MIN_BYTES = new Setting<>("http.compressionMinBytes", "1KiB",
      s -> Parsers.bytesIn(s, 0, 1 << 30), "Smallest answer that is compressed.");
  public static final Setting<String> OTEL_ENDPOINT = new Setting<>("otel.endpoint", "",
      Parsers::text, "OTLP/HTTP endpoint (e.g. http://127.0.0.1:4318) to send traces of requests, write-behind "
          + "batches and forwarded writes to; empty: no tracing, at no cost.");
  public static final Setting<Duration> SHUTDOWN_TIMEOUT = new Setting<>("shutdown.timeout", "10s",
      Parsers::duration, "How long SIGTERM waits for in-flight requests before closing.");

  public static final List<Setting<?>> ALL = List.of(HTTP_HOST, HTTP_PORT, HTTP_EVENT_LOOPS, DATA_DIR, PG_URL,
      PG_POOL_SIZE, PG_MAX_BATCH_REVISIONS, PG_MAX_OUTBOX_REVISIONS, PG_CIRCUIT_RESET_TIMEOUT, PG_SYNC_TIMEOUT,
      PG_HEALTH_TIMEOUT, PG_HISTORY_RETENTION_REVISIONS, REDIS_URL, CLUSTER_ENABLED, CLUSTER_NODE_ID,
      CLUSTER_ADVERTISE_URL, CLUSTER_NAME, CLUSTER_LEASE_TIMEOUT, CLUSTER_POLL_INTERVAL, CLUSTER_REDIS_STREAM_LENGTH,
      CLUSTER_FORWARD_CONNECT_TIMEOUT, CLUSTER_FORWARD_ANSWER_TIMEOUT, CLUSTER_FORWARD_APPLY_WAIT,
      ADMIN_TOKEN, AUTH_ENABLED, AUTH_ANONYMOUS_MONITORING,
      AUTH_MAX_FAILURES_PER_MINUTE, UI_SESSION_TTL, TLS_CERT, TLS_KEY, TLS_CLIENT_AUTH, TLS_CLIENT_CA, TLS_CLIENT_ROLES,
      ENCRYPTION_KEY_FILE, ENCRYPTION_PREFIXES, STORE_MAX_KEYS, STORE_AVERAGE_VALUE_BYTES, STORE_MIN_FREE_DISK_BYTES,
      CHANGELOG_SEGMENT_BYTES, CHANGELOG_RETENTION_REVISIONS, CHANGELOG_RETENTION_AGE,
      CHANGELOG_COMPACT_INTERVAL, BACKUP_DIR, BACKUP_INTERVAL, BACKUP_RETAIN, PG_DRIFT_CHECK_INTERVAL, DURABILITY, LIMITS_MAX_VALUE_BYTES, LIMITS_MAX_JSON_DEPTH, LIMITS_MAX_WAIT,
      LIMITS_MAX_TXN_BYTES, LIMITS_MAX_TXN_OPS, LIMITS_MAX_TXN_READ_BYTES, LIMITS_MAX_HEADER_BYTES, LIMITS_MAX_URL_BYTES,
      LIMITS_MAX_WATCHES_PER_CONNECTION, LIMITS_MAX_WEB_SOCKET_MESSAGE_BYTES, LIMITS_MAX_WEB_SOCKET_FRAME_BYTES,
      LIMITS_MAX_KEY_BYTES, LIMITS_MAX_PAGE_SIZE, LIMITS_MAX_PAGE_BYTES, LIMITS_MAX_CONNECTIONS, LIMITS_MAX_CONCURRENT_STREAMS,
      LIMITS_IDLE_TIMEOUT, LIMITS_WEB_SOCKET_IDLE_TIMEOUT, LIMITS_MAX_BODY_BYTES_IN_FLIGHT, LIMITS_BODY_TIMEOUT,
      RATE_LIMIT_READS_PER_SECOND, RATE_LIMIT_READ_BURST,
      RATE_LIMIT_WRITES_PER_SECOND, RATE_LIMIT_WRITE_BURST, RATE_LIMIT_MAX_IDENTITIES, WATCH_PROGRESS_INTERVAL,
      WATCH_MAX_QUEUE_BYTES, WATCH_MAX_QUEUED_BYTES_TOTAL, WATCH_SLOW_CONSUMER_GRACE, LOG_FORMAT, HTTP_COMPRESSION,
      HTTP_COMPRESSION_MIN_BYTES, OTEL_ENDPOINT, SHUTDOWN_TIMEOUT);
}
