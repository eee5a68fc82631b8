package io.ssot.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.http.Compression;
import io.ssot.http.ApiException;
import io.ssot.http.Params;
import io.ssot.protocol.Problem;
import io.ssot.security.Access;
import io.ssot.security.Role;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.store.Keys;
import io.ssot.store.MvccStore;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Spring Cloud Config Server protocol under {@code /config}, so that a Spring application
 * with {@code spring.config.import=configserver:http://host:port/config} reads its properties
 * from the keys under {@code config/} (see {@link SpringEnvironment} for the layers):
 * <ul>
 *   <li>{@code GET /config/{application}/{profiles}[/{label}]}: the Environment JSON; with
 *       {@code Accept: application/vnd.spring-cloud.config-server.v2+json} (what the client asks)
 *       each value with its origin, the key that set it;</li>
 *   <li>{@code GET /config/[{label}/]{application}-{profiles}.yml|.yaml|.properties|.json}:
 *       the merged properties.</li>
 * </ul>
 * The one label is {@code main}; another is 404, as Spring Cloud Config answers an unknown one.
 * Every answer reads the store at one revision, its {@code version}.
 */
final class SpringConfigRoutes {

  static final String PREFIX = "/config/";
  static final String V2_JSON = "application/vnd.spring-cloud.config-server.v2+json";
  private static final Pattern RENDERING = Pattern.compile("(.+)-([^-]+)\\.(yml|yaml|properties|json)");
  /** The most properties one environment gives, all sources together. */
  static final int MAX_PROPERTIES = 20_000;
  /** Reads that a commit overlapped are run again, this many times at most, before they are corrected. */
  private static final int READ_ATTEMPTS = 3;
  /** A read is corrected for at most this many commits made meanwhile, else 503. */
  private static final int MAX_COMMITS_UNDONE = 10_000;

  private final Api api;
  private final MvccStore store;

  SpringConfigRoutes(Api api) {
    this.api = api;
    this.store = api.store();
  }

  void mount(Router router) {
    router.get("/config/*").setName("/config/{path}").handler(this::get);
    router.route("/config/*").setName("/config/{path}").handler(ctx -> Routes.methodNotAllowed(ctx, "GET"));
  }

  enum Format { ENVIRONMENT, PROPERTIES, YAML, JSON }

  /** What a request asks for, its names checked. */
  record Ask(String application, List<String> profiles, String label, Format format) {
  }

  private void get(RoutingContext ctx) {
    Ask ask = parse(ctx.request().path());
    Access.require(ctx, Role.READ, SpringEnvironment.ROOT + ask.application() + "/");
    if (!ask.application().equals(SpringEnvironment.SHARED_APPLICATION)) {
      Access.require(ctx, Role.READ, SpringEnvironment.ROOT + SpringEnvironment.SHARED_APPLICATION + "/");
    }
    if (ask.label() != null && !ask.label().equals(SpringEnvironment.LABEL)) {
      throw new ApiException(Problem.NOT_FOUND, "no label '" + ask.label() + "': the only label is "
          + SpringEnvironment.LABEL);
    }
    boolean withOrigin = accepts(ctx.request().getHeader(HttpHeaders.ACCEPT), V2_JSON);
    long maxBytes = api.limits().maxPageBytes();
    // The answer can be up to twice what it reads (names, origins): that much is reserved.
    long maxAnswerBytes = 2 * maxBytes;
    Future.fromCompletionStage(store.listingReady(), ctx.vertx().getOrCreateContext())
        // A problem thrown while answering fails the send, and so the request.
        .compose(v -> LargeAnswers.send(api, ctx, maxAnswerBytes + 4096,
            () -> answer(ctx, ask, withOrigin, maxBytes, maxAnswerBytes)))
        .onFailure(ctx::fail);
  }

  private Future<Void> answer(RoutingContext ctx, Ask ask, boolean withOrigin, long maxBytes, long maxAnswerBytes) {
    List<String> layers = SpringEnvironment.layers(ask.application(), ask.profiles());
    Snapshot snapshot = read(store, layers, api.limits().maxPageSize(), maxBytes, READ_ATTEMPTS, MAX_COMMITS_UNDONE);
    SpringEnvironment.Budget budget = new SpringEnvironment.Budget(MAX_PROPERTIES, maxAnswerBytes);
    List<SpringEnvironment.Source> sources = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      List<Entry> entries = api.cipher().open(snapshot.layers().get(i));
      if (!entries.isEmpty()) {
        sources.add(SpringEnvironment.source(layers.get(i), entries, budget));
      }
    }
    HttpServerResponse response = ctx.response();
    Requests.withRevision(response, snapshot.revision());
    if (ask.format() == Format.ENVIRONMENT) {
      byte[] body = SpringEnvironment.environment(ask.application(), ask.profiles(), snapshot.revision(), sources,
          withOrigin);
      return send(ctx, withOrigin ? V2_JSON : "application/json", Buffer.buffer(body));
    }
    TreeMap<String, JsonNode> merged = SpringEnvironment.merged(sources);
    return switch (ask.format()) {
      case PROPERTIES -> send(ctx, "text/plain; charset=utf-8",
          Buffer.buffer(SpringEnvironment.properties(merged).getBytes(StandardCharsets.UTF_8)));
      case YAML -> send(ctx, "text/plain; charset=utf-8",
          Buffer.buffer(SpringEnvironment.yaml(merged).getBytes(StandardCharsets.UTF_8)));
      default -> send(ctx, "application/json", Buffer.buffer(SpringEnvironment.json(merged)));
    };
  }

  private static Future<Void> send(RoutingContext ctx, String contentType, Buffer body) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    response.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, contentType);
    return Compression.end(ctx, body);
  }

  /** Each layer's entries at one revision: the keys below it, in key order. */
  record Snapshot(long revision, List<List<Entry>> layers) {
  }

  /**
   * The entries of {@code layers} at one revision. First as a plain read that no commit
   * overlapped ({@link MvccStore#atOneRevision}); on a store so busy that commits keep
   * overlapping it, the read is taken as it is and then corrected: every key of the layers that a
   * commit after the revision read first changed (its change is in the log before it reaches the
   * map) is put back as it was at that revision, the version that first change replaced, read
   * from the log. Either way nothing waits for a commit.
   */
  static Snapshot read(MvccStore store, List<String> layers, int maxKeys, long maxBytes, int attempts,
      long maxCommitsUndone) {
    Snapshot consistent = store.atOneRevision(revision -> readNow(store, layers, revision, maxKeys, maxBytes),
        attempts);
    if (consistent != null) {
      return consistent;
    }
    // One below the revision now: a commit makes its revision known a moment before the read
    // cache forgets what it replaced, so only the revision before it is sure to be read whole.
    long revision = Math.max(0, store.revision() - 1);
    Snapshot now = readNow(store, layers, revision, maxKeys, maxBytes);
    // What the read saw was committed by then, or is the one commit being applied (commits apply
    // one at a time, each logged first): the last revision that can have changed it.
    long last = store.revision() + 1;
    if (last - revision > maxCommitsUndone) {
      throw new ApiException(Problem.UNAVAILABLE, "more than " + maxCommitsUndone
          + " commits were made while the environment was read; retry").header("Retry-After", "1");
    }
    // The first change after the revision of each key of the layers: its prevRevision names the
    // key's state at the revision (read from the log, not from the maps, which commits change).
    Map<String, Entry> firstChanges = new HashMap<>();
    for (long rev = revision + 1; rev <= last; rev++) {
      Commit commit = store.commitAt(rev);
      if (commit == null) {
        break;
      }
      for (Entry change : commit.changes()) {
        if (layerOf(change.key(), layers) >= 0) {
          firstChanges.putIfAbsent(change.key(), change);
        }
      }
    }
    if (firstChanges.isEmpty()) {
      return now;
    }
    List<TreeMap<String, Entry>> byKey = new ArrayList<>();
    for (List<Entry> entries : now.layers()) {
      TreeMap<String, Entry> keyed = new TreeMap<>();
      entries.forEach(e -> keyed.put(e.key(), e));
      byKey.add(keyed);
    }
    for (Entry change : firstChanges.values()) {
      Entry then = previous(store, change);
      TreeMap<String, Entry> layer = byKey.get(layerOf(change.key(), layers));
      if (then == null) {
        layer.remove(change.key());
      } else {
        layer.put(change.key(), then);
      }
    }
    List<List<Entry>> fixed = new ArrayList<>(byKey.size());
    int keys = 0;
    for (TreeMap<String, Entry> layer : byKey) {
      keys += layer.size();
      fixed.add(new ArrayList<>(layer.values()));
    }
    if (keys > maxKeys) {
      throw tooManyKeys(maxKeys, maxBytes);
    }
    return new Snapshot(revision, fixed);
  }

  /** The key's version before {@code change}, or null when it had none or it was a delete. */
  private static Entry previous(MvccStore store, Entry change) {
    if (change.prevRevision() == 0) {
      return null;
    }
    Commit commit = store.commitAt(change.prevRevision());
    if (commit == null) {
      // Compacted from the log since: rare (a key unchanged for long, changed during the read),
      // and the plain read a retry makes will most likely not be overlapped.
      throw new ApiException(Problem.UNAVAILABLE, "the environment changed while it was read; retry")
          .header("Retry-After", "1");
    }
    for (Entry e : commit.changes()) {
      if (e.key().equals(change.key())) {
        return e.isDelete() ? null : e;
      }
    }
    throw new IllegalStateException("revision " + change.prevRevision() + " does not change " + change.key());
  }

  /** The index of the layer {@code key} is below, or -1. */
  private static int layerOf(String key, List<String> layers) {
    for (int i = 0; i < layers.size(); i++) {
      String layer = layers.get(i);
      if (key.length() > layer.length() && key.startsWith(layer) && key.charAt(layer.length()) == '/') {
        return i;
      }
    }
    return -1;
  }

  /** The layers as the store holds them now, said to be at {@code revision}. */
  private static Snapshot readNow(MvccStore store, List<String> layers, long revision, int maxKeys, long maxBytes) {
    List<List<Entry>> read = new ArrayList<>(layers.size());
    int keys = 0;
    long bytes = 0;
    for (String layer : layers) {
      // One more than the rest of the bound: a full page means the environment is over it.
      MvccStore.ListPage page = store.list(layer + "/", null, maxKeys - keys + 1, maxBytes - bytes, true);
      List<Entry> entries = page.items();
      for (Entry e : entries) {
        bytes += MvccStore.pageBytes(e, true);
      }
      keys += entries.size();
      if (keys > maxKeys || page.more() || bytes > maxBytes) {
        throw tooManyKeys(maxKeys, maxBytes);
      }
      read.add(entries);
    }
    return new Snapshot(revision, read);
  }

  private static ApiException tooManyKeys(int maxKeys, long maxBytes) {
    return SpringEnvironment.tooLarge("reads more than " + maxKeys + " keys (limits.maxPageSize) or " + maxBytes
        + " bytes (limits.maxPageBytes)");
  }

  // ---- the path ------------------------------------------------------------------------------

  /** The request named by a path under {@code /config/}, as Spring Cloud Config's controller maps it. */
  static Ask parse(String rawPath) {
    if (rawPath == null || !rawPath.startsWith(PREFIX)) {
      throw notFound(rawPath);
    }
    String[] parts = rawPath.substring(PREFIX.length()).split("/", -1);
    for (int i = 0; i < parts.length; i++) {
      parts[i] = Requests.percentDecode(parts[i]);
    }
    if (parts.length == 1 || parts.length == 2) {
      Matcher rendering = RENDERING.matcher(parts[parts.length - 1]);
      if (rendering.matches()) {
        return ask(rendering.group(1), rendering.group(2), parts.length == 2 ? parts[0] : null,
            format(rendering.group(3)));
      }
    }
    if (parts.length == 2) {
      return ask(parts[0], parts[1], null, Format.ENVIRONMENT);
    }
    if (parts.length == 3) {
      return ask(parts[0], parts[1], parts[2], Format.ENVIRONMENT);
    }
    throw notFound(rawPath);
  }

  private static Format format(String extension) {
    return switch (extension) {
      case "properties" -> Format.PROPERTIES;
      case "json" -> Format.JSON;
      default -> Format.YAML;
    };
  }

  private static Ask ask(String application, String profiles, String label, Format format) {
    String problem = segmentProblem(application);
    if (problem != null) {
      throw Params.invalid("application", problem);
    }
    List<String> names = Arrays.asList(profiles.split(",", -1));
    for (String profile : names) {
      problem = segmentProblem(profile);
      if (problem != null) {
        throw Params.invalid("profile", problem + " (profiles are separated by ',')");
      }
    }
    return new Ask(application, List.copyOf(names), label, format);
  }

  /** Why {@code name} cannot be one segment of a key under {@code config/}, or null. */
  private static String segmentProblem(String name) {
    if (name.isEmpty()) {
      return "is empty";
    }
    if (name.indexOf('/') >= 0) {
      return "must be one path segment";
    }
    String keyProblem = Keys.problem(SpringEnvironment.ROOT + name + "/x");
    return keyProblem == null ? null : "'" + name + "' is not a key segment: " + keyProblem.replace("the key ", "");
  }

  private static ApiException notFound(String path) {
    return new ApiException(Problem.NOT_FOUND, "no such endpoint: " + path + "; Spring Cloud Config paths are "
        + "/config/{application}/{profiles}[/{label}] and /config/[{label}/]{application}-{profiles}.yml");
  }

  /** Whether an {@code Accept} header names {@code mediaType} (parameters and case aside). */
  static boolean accepts(String accept, String mediaType) {
    if (accept == null) {
      return false;
    }
    for (String range : accept.split(",")) {
      int semicolon = range.indexOf(';');
      String type = (semicolon < 0 ? range : range.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
      if (type.equals(mediaType)) {
        return true;
      }
    }
    return false;
  }
}
