package io.ssot.api;

import io.ssot.core.ArchivedHistory;
import io.ssot.http.ApiException;
import io.ssot.http.EntryJson;
import io.ssot.http.JsonValues;
import io.ssot.http.JsonWriter;
import io.ssot.http.Params;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ssot.protocol.Problem;
import io.ssot.security.Access;
import io.ssot.security.Role;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** {@code GET /v1/history/{key}} and {@code POST /v1/rollback/{key}}. */
final class HistoryRoutes {

  static final String HISTORY_PREFIX = "/v1/history/";
  static final String ROLLBACK_PREFIX = "/v1/rollback/";

  private final Api api;
  private final MvccStore store;

  HistoryRoutes(Api api) {
    this.api = api;
    this.store = api.store();
  }

  void mount(Router router) {
    router.get("/v1/history/*").setName("/v1/history/{key}")
        .handler(api.hub().revisionWaits().handler(api.limits().maxWaitMillis())).handler(this::history);
    router.route("/v1/history/*").setName("/v1/history/{key}").handler(ctx -> Routes.methodNotAllowed(ctx, "GET"));
    router.post("/v1/rollback/*").setName("/v1/rollback/{key}").handler(this::rollback);
    router.route("/v1/rollback/*").setName("/v1/rollback/{key}")
        .handler(ctx -> Routes.methodNotAllowed(ctx, "POST"));
  }

  private void history(RoutingContext ctx) {
    String key = Requests.key(ctx.request(), HISTORY_PREFIX);
    Access.require(ctx, Role.READ, key);
    history(ctx, key, "key", key);
  }

  /**
   * Answers with the history of the store key {@code key}, named in the response as
   * {@code nameField: name} (schemas are stored under a reserved key but named by their prefix).
   */
  void history(RoutingContext ctx, String key, String nameField, String name) {
    Params params = new Params(ctx.request());
    int limit = (int) params.pageSize(api.limits().maxPageSize());
    long before = params.longIn("before", Long.MAX_VALUE, 1, Long.MAX_VALUE);
    long maxBytes = api.limits().maxPageBytes();
    LargeAnswers.send(api, ctx, maxBytes + api.limits().maxValueBytes(),
        () -> page(ctx, key, nameField, name, limit, before, maxBytes)).onFailure(ctx::fail);
  }

  /** Reads and sends one page; completes when it is written. */
  private Future<Void> page(RoutingContext ctx, String key, String nameField, String name, int limit, long before,
      long maxBytes) {
    long compactRevision = store.compactRevision();
    MvccStore.HistoryPage local = store.history(key, before, limit, maxBytes);
    List<Entry> items = local.items();
    Entry oldest = items.isEmpty() ? null : items.get(items.size() - 1);
    ArchivedHistory archive = api.archive();
    // Done locally when the page is full (in items or bytes) or the key's first change is on it;
    // else older versions may lie below the compact revision, where only the archive has them.
    if (archive == null || local.next() != null || (oldest != null && oldest.prevRevision() == 0)) {
      return send(ctx, nameField, name, items, local.next());
    }
    if (items.size() == limit) {
      return send(ctx, nameField, name, items, oldest.revision()); // the archive holds the older versions
    }
    long below = oldest == null ? Math.min(before, compactRevision) : oldest.revision();
    long floor = archive.floorRevision();
    if (below <= floor) {
      if (oldest == null && floor > 1 && before <= floor) {
        throw new StoreException.Compacted(before - 1, floor);
      }
      return send(ctx, nameField, name, items, null); // everything older is gone from the archive too
    }
    int wanted = limit - items.size();
    long used = 0;
    for (Entry e : items) {
      used += MvccStore.pageBytes(e, true);
    }
    long room = maxBytes - used;
    return archive.versions(key, below, wanted + 1, Math.max(0, room))
        .compose(older -> {
          // The archive also returns the first version past the bytes left, to tell that more follow.
          List<Entry> all = new ArrayList<>(items);
          long bytes = 0;
          for (Entry e : older) {
            long size = MvccStore.pageBytes(e, true);
            if (all.size() == limit || (!all.isEmpty() && bytes + size > room)) {
              break;
            }
            bytes += size;
            all.add(e);
          }
          boolean more = all.size() - items.size() < older.size();
          return send(ctx, nameField, name, all, more ? all.get(all.size() - 1).revision() : null);
        });
  }

  /** {@code next} is the {@code before} of the following page, null on the last. */
  private Future<Void> send(RoutingContext ctx, String nameField, String name, List<Entry> items, Long next) {
    JsonWriter json = new JsonWriter(256).beginObject().field(nameField, name).beginArray("items");
    for (Entry e : api.cipher().open(items)) {
      json.beginObject().field("revision", e.revision()).field("type", e.isDelete() ? "delete" : "put");
      if (!e.isDelete()) {
        json.rawField("value", e.value());
      }
      json.field("updatedAt", EntryJson.timestamp(e.updatedAt())).field("updatedBy", e.updatedBy()).endObject();
    }
    json.endArray();
    if (next == null) {
      json.nullField("next");
    } else {
      json.field("next", next);
    }
    Requests.withRevision(ctx.response(), store.revision());
    return Requests.sendJson(ctx, 200, json.endObject().buffer());
  }

  private void rollback(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    String key = Requests.key(req, ROLLBACK_PREFIX);
    Access.require(ctx, Role.WRITE, key); // before the body: a caller that may not write it sends none
    boolean sync = Requests.sync(new Params(req), api);
    Requests.requireJson(req);
    api.bodies().read(ctx, api.limits().maxTxnBytes())
        .compose(body -> api.writes().rollback(key, toRevision(body.getBytes()), Access.principal(ctx).name(), sync))
        .map(revision -> {
          Requests.withRevision(ctx.response(), store.revision());
          return Requests.sendJson(ctx, 200, new JsonWriter(64).beginObject().field("key", key)
              .field("revision", revision).endObject().buffer());
        })
        .onFailure(ctx::fail);
  }

  private long toRevision(byte[] body) {
    JsonValues.refuseByteOrderMark(body);
    try (JsonParser p = api.json().parser(body)) {
      Long to = null;
      if (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken t = p.nextToken();
          if (!field.equals("toRevision") || t != JsonToken.VALUE_NUMBER_INT
              || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 1) {
            throw new ApiException(Problem.INVALID_ROLLBACK, "the body must be {\"toRevision\": N} with N >= 1");
          }
          to = p.getLongValue();
        }
      }
      if (to == null || p.nextToken() != null) {
        throw new ApiException(Problem.INVALID_ROLLBACK, "the body must be {\"toRevision\": N} with N >= 1");
      }
      return to;
    } catch (IOException e) {
      throw JsonValues.invalid(e);
    }
  }

}
