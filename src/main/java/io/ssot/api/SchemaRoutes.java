package io.ssot.api;

import io.ssot.http.ApiException;
import io.ssot.http.EntryJson;
import io.ssot.http.Etags;
import io.ssot.http.JsonWriter;
import io.ssot.http.Params;

import io.ssot.protocol.Problem;
import io.ssot.security.Access;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.store.SystemKeys;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /v1/schemas}: the JSON Schema of a key prefix. A schema is stored like a key under the
 * reserved {@code ~sys/schemas/<prefix>}, with the caller's principal, so its changes have
 * revisions, history and an audit trail and reach PostgreSQL; the registry that enforces it
 * follows the commits.
 */
final class SchemaRoutes {

  static final String PREFIX = "/v1/schemas/";

  private final Api api;
  private final MvccStore store;
  private final HistoryRoutes history;

  SchemaRoutes(Api api) {
    this.api = api;
    this.store = api.store();
    this.history = new HistoryRoutes(api);
  }

  void mount(Router router) {
    router.get("/v1/schemas").setName("/v1/schemas").handler(this::list);
    router.route("/v1/schemas").setName("/v1/schemas").handler(ctx -> Routes.methodNotAllowed(ctx, "GET"));
    router.get("/v1/schemas/*").setName("/v1/schemas/{prefix}").handler(this::get);
    router.put("/v1/schemas/*").setName("/v1/schemas/{prefix}").handler(this::put);
    router.delete("/v1/schemas/*").setName("/v1/schemas/{prefix}").handler(this::delete);
    router.route("/v1/schemas/*").setName("/v1/schemas/{prefix}")
        .handler(ctx -> Routes.methodNotAllowed(ctx, "GET, PUT, DELETE"));
  }

  private static String prefix(HttpServerRequest req) {
    return Requests.key(req, PREFIX);
  }

  /** {@code GET /v1/schemas/{prefix}}; with {@code ?history=true}, its past versions as /v1/history gives them. */
  private void get(RoutingContext ctx) {
    String prefix = prefix(ctx.request());
    Params params = new Params(ctx.request());
    if (params.flag("history")) {
      history.history(ctx, SystemKeys.SCHEMAS + prefix, "prefix", prefix);
      return;
    }
    Entry e = store.get(SystemKeys.SCHEMAS + prefix);
    Requests.withRevision(ctx.response(), store.revision());
    if (e == null) {
      throw new ApiException(Problem.SCHEMA_NOT_FOUND, "no schema on prefix " + prefix);
    }
    ctx.response().putHeader("ETag", Etags.of(e.revision()));
    JsonWriter json = new JsonWriter(e.value().length + 200);
    write(json, prefix, e);
    Requests.sendJson(ctx, 200, json.buffer());
  }

  private static void write(JsonWriter json, String prefix, Entry e) {
    json.beginObject().field("prefix", prefix).rawField("schema", e.value())
        .field("revision", e.revision()).field("createRevision", e.createRevision()).field("version", e.version())
        .field("updatedAt", EntryJson.timestamp(e.updatedAt())).field("updatedBy", e.updatedBy()).endObject();
  }

  /**
   * {@code GET /v1/schemas}: the schemas in force, by prefix, in pages as {@code GET /v1/kv}
   * lists keys: at most {@code limit} (by default, and at most, {@code limits.maxPageSize}) and
   * {@code limits.maxPageBytes}, {@code next} the cursor of the page after, and sent through the
   * connection's output like them, so that schemas of any number and size are never one answer.
   */
  private void list(RoutingContext ctx) {
    Params params = new Params(ctx.request());
    int maxItems = api.limits().maxPageSize();
    int limit = (int) params.longIn("limit", maxItems, 1, maxItems);
    String cursor = KvRoutes.decodeCursor(params.get("cursor"), "");
    String after = cursor == null ? null : SystemKeys.SCHEMAS + cursor;
    long maxBytes = api.limits().maxPageBytes();
    Future.fromCompletionStage(store.listingReady(), ctx.vertx().getOrCreateContext())
        .compose(v -> LargeAnswers.send(api, ctx, maxBytes + api.limits().maxValueBytes(), () -> {
          MvccStore.ListPage page = store.list(SystemKeys.SCHEMAS, after, limit, maxBytes, true);
          JsonWriter json = new JsonWriter(1024).beginObject().field("revision", page.revision()).beginArray("items");
          String last = null;
          for (Entry e : page.items()) {
            last = e.key().substring(SystemKeys.SCHEMAS.length());
            write(json, last, e);
          }
          json.endArray();
          if (page.more()) {
            json.field("next", KvRoutes.encodeCursor(last));
          } else {
            json.nullField("next");
          }
          Requests.withRevision(ctx.response(), page.revision());
          return Requests.sendJson(ctx, 200, json.endObject().buffer());
        }))
        .onFailure(ctx::fail);
  }

  /** {@code PUT /v1/schemas/{prefix}}: the body must itself be a draft 2020-12 schema (else 422). */
  private void put(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String prefix = prefix(req);
    boolean sync = Requests.sync(new Params(req), api);
    Precondition pre = Etags.forWrite(req.getHeader("If-Match"), req.getHeader("If-None-Match"));
    Requests.requireJson(req);
    api.bodies().read(ctx, api.limits().maxValueBytes())
        .compose(body -> {
          byte[] schema = body.getBytes();
          api.json().validate(schema);
          return api.writes().putSchema(prefix, schema, pre, Access.principal(ctx).name(), sync);
        })
        .map(written -> {
          Entry e = written.entry();
          ctx.response().putHeader("ETag", Etags.of(e.revision()));
          Requests.withRevision(ctx.response(), e.revision());
          return Requests.sendJson(ctx, written.created() ? 201 : 200, new JsonWriter(128).beginObject()
              .field("prefix", prefix).field("revision", e.revision()).field("version", e.version())
              .endObject().buffer());
        })
        .onFailure(ctx::fail);
  }

  /** {@code DELETE /v1/schemas/{prefix}}: writes under the prefix are no longer checked. */
  private void delete(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String prefix = prefix(req);
    boolean sync = Requests.sync(new Params(req), api);
    Precondition pre = Etags.forWrite(req.getHeader("If-Match"), null);
    api.writes().deleteSchema(prefix, pre, Access.principal(ctx).name(), sync).onComplete(marker -> {
      if (marker == null) {
        Requests.withRevision(ctx.response(), store.revision());
        ctx.fail(new ApiException(Problem.SCHEMA_NOT_FOUND, "no schema on prefix " + prefix));
        return;
      }
      Requests.withRevision(ctx.response(), marker.revision());
      Requests.sendJson(ctx, 200, new JsonWriter(64).beginObject().field("prefix", prefix)
          .field("revision", marker.revision()).endObject().buffer());
    }, ctx::fail);
  }
}
