package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.protocol.ClientName;
import io.ssot.protocol.Etag;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;

/**
 * A client of the v1 API, safe to share: one per process is the intent. Calls block the calling
 * thread; see {@link Transport} for fail-over and what is retried. Watches share one WebSocket.
 *
 * <pre>{@code
 * SsotClient client = SsotClient.builder().endpoints("http://ssot-1:8080", "http://ssot-2:8080")
 *     .token(System.getenv("SSOT_TOKEN")).build();
 * ConfigView view = client.view("payments/prod/");
 * view.awaitReady(Duration.ofSeconds(10));
 * int max = view.getInt("payments/prod/db", "/pool/max", 16);
 * }</pre>
 */
public final class SsotClient implements AutoCloseable {

  /** Largest page the server gives. */
  private static final int PAGE_LIMIT = 1000;

  private final Transport transport;
  private final WatchConnection watches;
  private final ExecutorService dispatcher;
  private final ExecutorService notifier;
  private final ExecutorService blocking;
  private final ScheduledExecutorService timers;
  private final Duration startupTimeout;
  private final String clientId;
  private final String application;
  private final String instance;

  private SsotClient(Builder b) {
    HttpClient http = HttpClient.newBuilder()
        .version(b.http2() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
        .connectTimeout(b.connectTimeout)
        .build();
    this.transport = new Transport(http, b.endpoints, b.token, b.requestTimeout, b.retryBudget);
    this.dispatcher = Executors.newSingleThreadExecutor(daemon("ssot-watch"));
    this.notifier = Executors.newSingleThreadExecutor(daemon("ssot-listeners"));
    this.blocking = Executors.newCachedThreadPool(daemon("ssot-worker"));
    this.timers = Executors.newSingleThreadScheduledExecutor(daemon("ssot-timer"));
    this.clientId = b.clientId != null ? b.clientId : UUID.randomUUID().toString();
    this.application = b.application;
    this.instance = b.instance != null ? b.instance : defaultInstance();
    this.watches = new WatchConnection(transport, dispatcher, timers, b.connectTimeout, b.watchIdleTimeout,
        nameQuery(clientId, application, instance));
    this.startupTimeout = b.startupTimeout;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The name this client gives the server on its watch connection (GET /v1/clients). */
  public String clientId() {
    return clientId;
  }

  /** The application named to the server; null when not given. */
  public String application() {
    return application;
  }

  /** This process as named to the server: by default {@code <host name>/<pid>}. */
  public String instance() {
    return instance;
  }

  /** The watch upgrade's query: {@code ?clientId=…&application=…&instance=…}, each percent-encoded. */
  private static String nameQuery(String clientId, String application, String instance) {
    StringBuilder q = new StringBuilder("?").append(ClientName.CLIENT_ID).append('=').append(encode(clientId));
    if (application != null) {
      q.append('&').append(ClientName.APPLICATION).append('=').append(encode(application));
    }
    return q.append('&').append(ClientName.INSTANCE).append('=').append(encode(instance)).toString();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** {@code <host name>/<pid>}, the host name reduced to the characters a name may hold. */
  static String defaultInstance() {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException | RuntimeException e) {
        host = "unknown-host";
      }
    }
    String pid = "/" + ProcessHandle.current().pid();
    String clean = host.replaceAll("[^A-Za-z0-9._:@+-]", "-");
    return clean.substring(0, Math.min(clean.length(), ClientName.MAX_LENGTH - pid.length())) + pid;
  }

  private static String checkedName(String parameter, String value) {
    String problem = ClientName.problem(parameter, Objects.requireNonNull(value, parameter));
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    return value;
  }

  // ---- reads ---------------------------------------------------------------------------------

  /** The key's entry, or empty when it does not exist. */
  public Optional<Entry> get(String key) {
    try {
      return Optional.of(Entry.of(transport.send("GET", kv(key), null, Map.of(), true).json()));
    } catch (SsotException.KeyNotFoundException e) {
      return Optional.empty();
    }
  }

  /** The value's JSON bytes as stored (the fast path), or empty when the key does not exist. */
  public Optional<byte[]> getRaw(String key) {
    try {
      return Optional.of(transport.send("GET", kv(key) + "?raw=true", null, Map.of(), true).body());
    } catch (SsotException.KeyNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Every entry under {@code prefix} (a plain byte prefix; "" for all), all pages read. */
  public Listing list(String prefix) {
    List<Entry> entries = new ArrayList<>();
    long revision = -1;
    String cursor = null;
    do {
      String query = "/v1/kv?prefix=" + enc(prefix) + "&limit=" + PAGE_LIMIT + (cursor == null ? "" : "&cursor=" + enc(cursor));
      JsonNode page = transport.send("GET", query, null, Map.of(), true).json();
      if (revision < 0) {
        revision = page.path("revision").asLong();
      }
      for (JsonNode item : page.path("items")) {
        entries.add(Entry.of(item));
      }
      JsonNode next = page.get("next");
      cursor = next == null || next.isNull() ? null : next.asText();
    } while (cursor != null);
    return new Listing(revision, List.copyOf(entries));
  }

  /** The key's past versions, newest first, at most {@code limit} of them (0: all, page by page). */
  public List<HistoryItem> history(String key, int limit) {
    List<HistoryItem> items = new ArrayList<>();
    String before = null;
    do {
      int page = limit == 0 ? PAGE_LIMIT : Math.min(PAGE_LIMIT, limit - items.size());
      String query = "/v1/history/" + key + "?limit=" + page + (before == null ? "" : "&before=" + enc(before));
      JsonNode answer = transport.send("GET", query, null, Map.of(), true).json();
      for (JsonNode item : answer.path("items")) {
        items.add(HistoryItem.of(item));
      }
      JsonNode next = answer.get("next");
      before = next == null || next.isNull() ? null : next.asText();
    } while (before != null && (limit == 0 || items.size() < limit));
    return List.copyOf(items);
  }

  // ---- writes --------------------------------------------------------------------------------

  /** Writes a value: a JsonNode, or any object Jackson writes (a String is written as a JSON string). */
  public WriteResult put(String key, Object value) {
    return put(key, value, WriteOptions.none());
  }

  public WriteResult put(String key, Object value, WriteOptions options) {
    return write(key, Json.bytes(value), options);
  }

  /** Writes a JSON text as it is ({@code "{\"pool\":{\"max\":32}}"}); stored and served as these bytes. */
  public WriteResult putJson(String key, String json) {
    return putJson(key, json, WriteOptions.none());
  }

  public WriteResult putJson(String key, String json, WriteOptions options) {
    return write(key, Json.text(json), options);
  }

  private WriteResult write(String key, byte[] body, WriteOptions options) {
    Transport.Response r = transport.send("PUT", kv(key) + durability(options), body,
        preconditions(options), false);
    JsonNode n = r.json();
    return new WriteResult(key, n.path("revision").asLong(), n.path("createRevision").asLong(),
        n.path("version").asLong(), r.status() == 201);
  }

  /** Deletes the key; {@link SsotException.KeyNotFoundException} if it does not exist. */
  public WriteResult delete(String key) {
    return delete(key, WriteOptions.none());
  }

  public WriteResult delete(String key, WriteOptions options) {
    if (options.onlyIfAbsent()) {
      throw new IllegalArgumentException("a delete takes no ifAbsent");
    }
    JsonNode n = transport.send("DELETE", kv(key) + durability(options), null, preconditions(options), false).json();
    return new WriteResult(key, n.path("revision").asLong(), 0, 0, false);
  }

  public TxnResult txn(Txn txn) {
    return txnResult(transport.send("POST", "/v1/txn", Json.bytes(txn.body()), Map.of(), false).json());
  }

  private static TxnResult txnResult(JsonNode n) {
    List<JsonNode> results = new ArrayList<>();
    n.path("results").forEach(results::add);
    return new TxnResult(n.path("succeeded").asBoolean(), n.path("revision").asLong(), List.copyOf(results));
  }

  /** A transaction given as its JSON text ({@code {"compare":[...],"success":[...],"failure":[...]}}), sent as it is. */
  public TxnResult txnJson(String json) {
    return txnResult(transport.send("POST", "/v1/txn", Json.text(json), Map.of(), false).json());
  }

  /** Writes the value the key had at {@code toRevision} as a new revision (a delete if it was absent then). */
  public WriteResult rollback(String key, long toRevision) {
    byte[] body = Json.bytes(Json.MAPPER.createObjectNode().put("toRevision", toRevision));
    JsonNode n = transport.send("POST", "/v1/rollback/" + checkedKey(key), body, Map.of(), false).json();
    return new WriteResult(key, n.path("revision").asLong(), 0, 0, false);
  }

  // ---- administration (admin token) ------------------------------------------------------------

  /**
   * Creates a token: {@code request} is {@code {"name":..., "roles":[{"role":"read","prefix":"a/"}],
   * "ttl"|"expiresAt":...}}. The answer holds the secret ({@code token}), shown this once.
   */
  public JsonNode createToken(JsonNode request) {
    return transport.send("POST", "/v1/tokens", Json.bytes(request), Map.of(), false).json();
  }

  /** Every token, without secrets: {@code id, name, roles, expiresAt, createdAt, createdBy}. */
  public List<JsonNode> tokens() {
    List<JsonNode> items = new ArrayList<>();
    transport.send("GET", "/v1/tokens", null, Map.of(), true).json().path("items").forEach(items::add);
    return List.copyOf(items);
  }

  /** Revokes the token at once (its watches end); {@link SsotException} {@code token-not-found} if none has this id. */
  public long revokeToken(String id) {
    return transport.send("DELETE", "/v1/tokens/" + enc(id), null, Map.of(), false).json().path("revision").asLong();
  }

  /** Sets the JSON Schema (draft 2020-12, as JSON text) that writes under {@code prefix} must meet. */
  public WriteResult putSchema(String prefix, String schemaJson) {
    Transport.Response r = transport.send("PUT", "/v1/schemas/" + checkedKey(prefix), Json.text(schemaJson),
        Map.of(), false);
    JsonNode n = r.json();
    return new WriteResult(prefix, n.path("revision").asLong(), 0, n.path("version").asLong(), r.status() == 201);
  }

  /** The schema on {@code prefix} with its metadata ({@code prefix, schema, revision, ...}), or empty. */
  public Optional<JsonNode> schema(String prefix) {
    try {
      return Optional.of(transport.send("GET", "/v1/schemas/" + checkedKey(prefix), null, Map.of(), true).json());
    } catch (SsotException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /** Every schema in force, by prefix, all pages read. */
  public List<JsonNode> schemas() {
    List<JsonNode> items = new ArrayList<>();
    String cursor = null;
    do {
      JsonNode page = transport.send("GET", "/v1/schemas" + (cursor == null ? "" : "?cursor=" + enc(cursor)),
          null, Map.of(), true).json();
      page.path("items").forEach(items::add);
      JsonNode next = page.get("next");
      cursor = next == null || next.isNull() ? null : next.asText();
    } while (cursor != null);
    return List.copyOf(items);
  }

  /** Removes the schema on {@code prefix}; {@link SsotException} {@code schema-not-found} if there is none. */
  public long deleteSchema(String prefix) {
    return transport.send("DELETE", "/v1/schemas/" + checkedKey(prefix), null, Map.of(), false).json()
        .path("revision").asLong();
  }

  /**
   * {@code GET /v1/snapshot} (admin): the whole store at one revision, streamed into {@code out}
   * as it arrives (never held in memory); {@code progress} hears the bytes copied so far. A failure
   * to write {@code out} is an {@link java.io.UncheckedIOException}; the transfer breaking off, an
   * {@link SsotException.UnavailableException}.
   *
   * @return the number of bytes written
   */
  public long saveSnapshot(OutputStream out, LongConsumer progress) {
    try (InputStream in = transport.stream("GET", "/v1/snapshot", HttpRequest.BodyPublishers.noBody(), null)) {
      byte[] buffer = new byte[64 << 10];
      long total = 0;
      for (int n; (n = in.read(buffer)) >= 0; ) {
        try {
          out.write(buffer, 0, n);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("cannot write the snapshot: " + e.getMessage(), e);
        }
        total += n;
        progress.accept(total);
      }
      return total;
    } catch (IOException e) {
      throw new SsotException.UnavailableException(0, "unavailable", "the snapshot broke off: " + e, null, e);
    }
  }

  /**
   * {@code POST /v1/snapshot} (admin): restores the snapshot {@code file} into the server's store,
   * which must never have been written (409 {@code store-not-empty} otherwise). The file is
   * streamed, never read into memory; {@code progress} hears the bytes sent so far. The server
   * verifies the whole file before it applies any of it (400 {@code invalid-snapshot}).
   *
   * @return {@code {revision, keys, bytes, sha256, createdAt}} of the restored snapshot
   */
  public JsonNode restoreSnapshot(Path file, LongConsumer progress) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(() -> new CountingInputStream(file, progress)), size);
    try (InputStream in = transport.stream("POST", "/v1/snapshot", body, "application/x-ndjson")) {
      return Json.parse(in.readAllBytes());
    } catch (IOException e) {
      throw new SsotException.UnavailableException(0, "unavailable", "the restore broke off: " + e, null, e);
    }
  }

  /** A file read for upload, telling how many bytes were read so far. */
  private static final class CountingInputStream extends java.io.FilterInputStream {
    private final LongConsumer progress;
    private long count;

    CountingInputStream(Path file, LongConsumer progress) {
      super(open(file));
      this.progress = progress;
    }

    private static InputStream open(Path file) {
      try {
        return Files.newInputStream(file);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        progress.accept(++count);
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count += n;
        progress.accept(count);
      }
      return n;
    }
  }

  /**
   * {@code GET /v1/pg/drift} (admin, servers with PostgreSQL): a fresh comparison of the store with
   * PostgreSQL's current state: {@code revision, storeDigest, pgDigest, drifted, keys:[{key,
   * storeRevision, pgRevision}], truncated}. It changes nothing on either side.
   */
  public JsonNode pgDrift() {
    return transport.send("GET", "/v1/pg/drift", null, Map.of(), true).json();
  }

  /** {@code GET /v1/cluster}: the leader, this node and the members (404 when the server is not in cluster mode). */
  public JsonNode cluster() {
    return transport.send("GET", "/v1/cluster", null, Map.of(), true).json();
  }

  // ---- watches and views ---------------------------------------------------------------------

  /** Watches every key under {@code prefix} from {@code fromRevision} (0: from the next revision). */
  public Watch watchPrefix(String prefix, long fromRevision, WatchListener listener) {
    return watches.open(null, Objects.requireNonNull(prefix), fromRevision, listener);
  }

  /** Watches one key from {@code fromRevision} (0: from the next revision). */
  public Watch watchKey(String key, long fromRevision, WatchListener listener) {
    return watches.open(Objects.requireNonNull(key), null, fromRevision, listener);
  }

  /** A started view of {@code prefix}, without fallback file: see {@link #newView}. */
  public ConfigView view(String prefix) {
    return newView(prefix).start();
  }

  /** A view of {@code prefix} to configure (fallback file, start-up timeout) and start. */
  public ConfigView.Builder newView(String prefix) {
    return new ConfigView.Builder(this, prefix, startupTimeout);
  }

  /**
   * Spring Cloud Config-style properties of {@code application} in {@code profiles} (later ones
   * win), from the keys under {@code config/}: see {@link LayeredConfig}.
   */
  public LayeredConfig layered(String application, String... profiles) {
    return new LayeredConfig(newView(LayeredConfig.ROOT).start(), application, profiles);
  }

  @Override
  public void close() {
    watches.close();
    dispatcher.shutdown();
    notifier.shutdown();
    blocking.shutdownNow();
    timers.shutdownNow();
  }

  WatchConnection watchConnection() {
    return watches;
  }

  ExecutorService notifier() {
    return notifier;
  }

  ExecutorService blocking() {
    return blocking;
  }

  ScheduledExecutorService timers() {
    return timers;
  }

  // ---- helpers -------------------------------------------------------------------------------

  private static String kv(String key) {
    return "/v1/kv/" + checkedKey(key);
  }

  /** The key (or prefix) as it stands in a path: the key grammar has only characters that need no escape. */
  private static String checkedKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new IllegalArgumentException("a key is not empty");
    }
    return key;
  }

  private static String durability(WriteOptions o) {
    return o.durability() == null ? "" : "?durability=" + o.durability().wire();
  }

  private static Map<String, String> preconditions(WriteOptions o) {
    Map<String, String> h = new HashMap<>();
    if (o.ifMatch() >= 0) {
      h.put("If-Match", Etag.of(o.ifMatch()));
    }
    if (o.onlyIfAbsent()) {
      h.put("If-None-Match", "*");
    }
    return h;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Endpoints, token, timeouts. */
  public static final class Builder {
    private final List<URI> endpoints = new ArrayList<>();
    private String token;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private Duration requestTimeout = Duration.ofSeconds(10);
    private Duration retryBudget = Duration.ofSeconds(15);
    private Duration startupTimeout = Duration.ofSeconds(5);
    private Duration watchIdleTimeout = Duration.ofSeconds(30);
    private Boolean http2;
    private String clientId;
    private String application;
    private String instance;

    private Builder() {
    }

    /**
     * The name of this client on the server's {@code GET /v1/clients} (default: a random UUID):
     * 1 to 128 characters of {@code [A-Za-z0-9._:@/+-]}, as {@link #application} and {@link #instance}.
     */
    public Builder clientId(String id) {
      this.clientId = checkedName(ClientName.CLIENT_ID, id);
      return this;
    }

    /** The application this client belongs to (default: none). */
    public Builder application(String name) {
      this.application = checkedName(ClientName.APPLICATION, name);
      return this;
    }

    /** This running copy of the application (default: {@code <host name>/<pid>}). */
    public Builder instance(String name) {
      this.instance = checkedName(ClientName.INSTANCE, name);
      return this;
    }

    /** Base URLs of the nodes ({@code http://host:port}); calls fail over between them in this order. */
    public Builder endpoints(String... urls) {
      for (String u : urls) {
        URI uri = URI.create(u.endsWith("/") ? u.substring(0, u.length() - 1) : u);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
          throw new IllegalArgumentException("an endpoint is an http or https URL: " + u);
        }
        endpoints.add(uri);
      }
      return this;
    }

    /** The bearer token sent with every call and the watch handshake. */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    /** How long one request may take (a long list page, a sync write). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    /** How long a call keeps retrying 503s and unreachable endpoints before it throws. */
    public Builder retryBudget(Duration d) {
      this.retryBudget = d;
      return this;
    }

    /** How long a view waits for a server before it loads its fallback file (default 5 s). */
    public Builder startupTimeout(Duration d) {
      this.startupTimeout = d;
      return this;
    }

    /**
     * How long the watch connection may hear nothing (it pings when quiet) before it is taken for
     * dead and reopened, on the next endpoint if need be (default 30 s).
     */
    public Builder watchIdleTimeout(Duration d) {
      this.watchIdleTimeout = d;
      return this;
    }

    /**
     * Whether to speak HTTP/2. By default yes over TLS (negotiated by ALPN) and no over cleartext:
     * the JDK has no h2c with prior knowledge, only the Upgrade of each new connection's first
     * request, and it loses an error answer after which the server closes that connection (a 503
     * too-many-connections), which would then not be retried as a 503.
     */
    public Builder http2(boolean on) {
      this.http2 = on;
      return this;
    }

    boolean http2() {
      return http2 != null ? http2 : endpoints.stream().allMatch(u -> "https".equals(u.getScheme()));
    }

    public SsotClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalStateException("no endpoint");
      }
      return new SsotClient(this);
    }
  }
}
