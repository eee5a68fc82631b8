package io.ssot.api;

import io.ssot.http.ApiException;
import io.ssot.http.EntryJson;
import io.ssot.http.Etags;
import io.ssot.http.JsonWriter;
import io.ssot.http.Params;

import io.ssot.protocol.Problem;
import io.ssot.security.Access;
import io.ssot.security.Role;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeoutException;

/** {@code /v1/kv}: get (plain, raw, conditional, long-poll, atRevision), list, put and delete. */
final class KvRoutes {

  static final String KEY_PREFIX = "/v1/kv/";

  private final Api api;
  private final MvccStore store;
  private final EntryBodies bodies;

  KvRoutes(Api api, EntryBodies bodies) {
    this.api = api;
    this.store = api.store();
    this.bodies = bodies;
  }

  void mount(Router router) {
    Handler<RoutingContext> minRevision = api.hub().revisionWaits().handler(api.limits().maxWaitMillis());
    router.get("/v1/kv").setName("/v1/kv").handler(minRevision).handler(this::list);
    router.route("/v1/kv").setName("/v1/kv").handler(ctx -> Routes.methodNotAllowed(ctx, "GET"));
    router.get("/v1/kv/*").setName("/v1/kv/{key}").handler(minRevision).handler(this::get);
    router.put("/v1/kv/*").setName("/v1/kv/{key}").handler(this::put);
    router.delete("/v1/kv/*").setName("/v1/kv/{key}").handler(this::delete);
    router.route("/v1/kv/*").setName("/v1/kv/{key}")
        .handler(ctx -> Routes.methodNotAllowed(ctx, "GET, PUT, DELETE"));
  }

  // ---- GET /v1/kv/{key} ----------------------------------------------------------------------

  private void get(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String key = Requests.key(req, KEY_PREFIX);
    Access.require(ctx, Role.READ, key);
    Params params = new Params(req);
    boolean raw = params.flag("raw");
    long atRevision = params.longIn("atRevision", 0, 1, Long.MAX_VALUE);
    Duration wait = params.duration("wait");
    String ifNoneMatch = req.getHeader("If-None-Match");
    List<Long> notMatching = ifNoneMatch == null ? List.of() : Etags.forRead(ifNoneMatch);
    if (atRevision > 0) {
      if (wait != null) {
        throw Params.invalid("wait", "cannot be combined with atRevision");
      }
      api.entryAt(key, atRevision)
          .compose(entry -> !answersLarge(entry, notMatching) ? respond(ctx, key, entry, false, raw, notMatching)
              // Read again once there is room: the answer holds nothing while it waits.
              : LargeAnswers.send(api, ctx, LargeAnswers.answerBytes(entry), () -> api.entryAt(key, atRevision)
                  .compose(again -> respond(ctx, key, again, false, raw, notMatching))))
          .onFailure(ctx::fail);
      return;
    }
    if (wait == null) {
      Entry entry = store.get(key);
      if (answersLarge(entry, notMatching)) {
        LargeAnswers.send(api, ctx, LargeAnswers.answerBytes(entry),
            () -> respond(ctx, key, store.get(key), true, raw, notMatching)).onFailure(ctx::fail);
      } else {
        respond(ctx, key, entry, true, raw, notMatching);
      }
      return;
    }
    if (ifNoneMatch == null || notMatching == null) {
      throw Params.invalid("wait", "needs If-None-Match with the revision you have (\"0\" for an absent key)");
    }
    // Watch from the revision taken before the read, so a change in between cannot be missed.
    long from = store.revision() + 1;
    Entry current = store.get(key);
    long currentRevision = current == null ? 0 : current.revision();
    if (!notMatching.contains(currentRevision)) {
      respond(ctx, key, current, true, raw, notMatching);
      return;
    }
    long waitMillis = Math.min(wait.toMillis(), api.limits().maxWaitMillis());
    // Whether the key changed or the wait ended, the answer is the key's state now; a revoked
    // token ends the wait with 401.
    Promise<Void> tokenEnded = Promise.promise();
    Runnable unfollow = Access.onTokenEnd(ctx, () -> tokenEnded.tryFail(Access.tokenEnded()));
    // The answer waits for room on the connection, and counts there, as watch output does; a
    // large one also in the server-wide budget.
    api.hub().awaitChange(key, from, waitMillis, tokenEnded.future())
        .andThen(ar -> unfollow.run())
        .recover(e -> e instanceof TimeoutException ? Future.succeededFuture() : Future.failedFuture(e))
        .compose(v -> {
          Entry now = store.get(key);
          if (answersLarge(now, notMatching)) {
            return LargeAnswers.send(api, ctx, LargeAnswers.answerBytes(now),
                () -> respond(ctx, key, store.get(key), true, raw, notMatching));
          }
          return api.hub().roomFor(ctx.request()).compose(room -> api.hub().counted(ctx.request(),
              () -> respond(ctx, key, store.get(key), true, raw, notMatching)));
        })
        .onFailure(ctx::fail);
  }

  /** Whether the answer is a 200 with a large value, which goes through {@link LargeAnswers}. */
  private static boolean answersLarge(Entry entry, List<Long> notMatching) {
    return entry != null && LargeAnswers.isLarge(entry) && notMatching != null
        && !notMatching.contains(entry.revision());
  }

  /**
   * 200 with the entry (or its raw value), 304 when the client has it, 404 when absent; the
   * result completes when the answer is written.
   */
  private Future<Void> respond(RoutingContext ctx, String key, Entry entry, boolean current, boolean raw,
      List<Long> notMatching) {
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    long storeRevision = store.revision();
    if (entry == null) {
      Requests.withRevision(response, storeRevision);
      throw new ApiException(Problem.KEY_NOT_FOUND, "no key " + key + " at this revision");
    }
    if (notMatching == null || notMatching.contains(entry.revision())) {
      return Requests.withRevision(response, storeRevision).putHeader(HttpHeaders.ETAG, Etags.of(entry.revision()))
          .setStatusCode(304).end();
    }
    // As on the fast path, only the answers of entries the store caches (keys read often) are kept.
    boolean keep = current && store.cached(key) == entry;
    return sendEntry(response, keep ? bodies.answer(entry, raw) : bodies.render(entry, raw), storeRevision);
  }

  /** 200 with the entry, or with its value alone; also {@link FastGet}'s answer. */
  static Future<Void> sendEntry(HttpServerResponse response, EntryBodies.Answer answer, long storeRevision) {
    // add, not set: the headers are fresh, so there is nothing to replace.
    response.headers()
        .add(Requests.X_SSOT_REVISION, Requests.revisionText(storeRevision))
        .add(HttpHeaders.ETAG, answer.etag())
        .add(HttpHeaders.CONTENT_TYPE, Requests.APPLICATION_JSON);
    return response.setStatusCode(200).end(answer.body());
  }

  // ---- GET /v1/kv?prefix= ----------------------------------------------------------------------

  private void list(RoutingContext ctx) {
    Params params = new Params(ctx.request());
    String prefix = params.get("prefix");
    if (prefix == null) {
      prefix = "";
    }
    String prefixProblem = io.ssot.store.Keys.prefixProblem(prefix);
    if (prefixProblem != null) {
      throw Params.invalid("prefix", prefixProblem.replace("the prefix ", ""));
    }
    int limit = (int) params.pageSize(api.limits().maxPageSize());
    boolean keysOnly = params.flag("keysOnly");
    String after = decodeCursor(params.get("cursor"), prefix);
    Access.require(ctx, Role.READ, prefix);
    String listPrefix = prefix;
    long maxBytes = api.limits().maxPageBytes();
    Future.fromCompletionStage(store.listingReady(), ctx.vertx().getOrCreateContext())
        .compose(v -> LargeAnswers.send(api, ctx, maxBytes + api.limits().maxValueBytes(), () -> {
          MvccStore.ListPage page = store.list(listPrefix, after, limit, maxBytes, !keysOnly);
          return sendPage(ctx, keysOnly ? page : new MvccStore.ListPage(page.revision(),
              api.cipher().open(page.items()), page.more()), keysOnly);
        }))
        .onFailure(ctx::fail);
  }

  private static Future<Void> sendPage(RoutingContext ctx, MvccStore.ListPage page, boolean keysOnly) {
    JsonWriter json = new JsonWriter(256 + page.items().size() * 128);
    json.beginObject().field("revision", page.revision()).beginArray("items");
    for (Entry e : page.items()) {
      EntryJson.writeEntry(json, e, !keysOnly);
    }
    json.endArray();
    if (page.more()) {
      json.field("next", encodeCursor(page.items().get(page.items().size() - 1).key()));
    } else {
      json.nullField("next");
    }
    Requests.withRevision(ctx.response(), page.revision());
    return Requests.sendJson(ctx, 200, json.endObject().buffer());
  }

  /** A cursor is the last key of the previous page, base64url-encoded: opaque to clients. */
  static String encodeCursor(String lastKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.US_ASCII));
  }

  static String decodeCursor(String cursor, String prefix) {
    if (cursor == null) {
      return null;
    }
    String key;
    try {
      key = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
    } catch (IllegalArgumentException e) {
      throw Params.invalid("cursor", "is not a cursor returned by this listing");
    }
    if (io.ssot.store.Keys.problem(key) != null || !key.startsWith(prefix)) {
      throw Params.invalid("cursor", "is not a cursor returned by this listing");
    }
    return key;
  }

  // ---- PUT and DELETE /v1/kv/{key} -------------------------------------------------------------

  private void put(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    // Everything the head decides is decided before the body is read: a caller that may not
    // write the key is refused without sending (or the server holding) a byte of it.
    String key = Requests.key(req, KEY_PREFIX);
    Access.require(ctx, Role.WRITE, key);
    Params params = new Params(req);
    boolean sync = Requests.sync(params, api);
    Precondition pre = Etags.forWrite(req.getHeader("If-Match"), req.getHeader("If-None-Match"));
    Requests.requireJson(req);
    api.bodies().read(ctx, api.limits().maxValueBytes())
        .compose(body -> {
          byte[] value = body.getBytes();
          api.json().validate(value);
          return api.writes().put(key, value, pre, Access.principal(ctx).name(), sync);
        })
        .map(written -> sendWritten(ctx, written))
        .onFailure(ctx::fail);
  }

  private static Future<Void> sendWritten(RoutingContext ctx, MvccStore.WriteResult written) {
    Entry e = written.entry();
    Buffer json = new JsonWriter(128).beginObject().field("key", e.key()).field("revision", e.revision())
        .field("createRevision", e.createRevision()).field("version", e.version()).endObject().buffer();
    ctx.response().putHeader("ETag", Etags.of(e.revision()));
    Requests.withRevision(ctx.response(), e.revision());
    return Requests.sendJson(ctx, written.created() ? 201 : 200, json);
  }

  private void delete(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String key = Requests.key(req, KEY_PREFIX);
    Access.require(ctx, Role.WRITE, key);
    Params params = new Params(req);
    boolean sync = Requests.sync(params, api);
    if (req.getHeader("If-None-Match") != null) {
      throw new ApiException(Problem.INVALID_HEADER, "If-None-Match does not apply to a delete");
    }
    Precondition pre = Etags.forWrite(req.getHeader("If-Match"), null);
    api.writes().delete(key, pre, Access.principal(ctx).name(), sync).onComplete(marker -> {
      if (marker == null) {
        Requests.withRevision(ctx.response(), store.revision());
        ctx.fail(new ApiException(Problem.KEY_NOT_FOUND, "no key " + key));
        return;
      }
      Requests.withRevision(ctx.response(), marker.revision());
      Requests.sendJson(ctx, 200, new JsonWriter(64).beginObject().field("key", key)
          .field("revision", marker.revision()).endObject().buffer());
    }, ctx::fail);
  }

}
