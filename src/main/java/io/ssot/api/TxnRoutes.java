package io.ssot.api;

import io.ssot.store.Txn;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /v1/txn}: compares, then the success or failure ops, atomically at one revision. */
final class TxnRoutes {

  private final Api api;
  private final TxnParser parser;

  TxnRoutes(Api api) {
    this.api = api;
    this.parser = new TxnParser(api.json(), api.limits().maxTxnOps(), api.limits().maxKeyBytes());
  }

  void mount(Router router) {
    router.post("/v1/txn").setName("/v1/txn").handler(this::txn);
    router.route("/v1/txn").setName("/v1/txn").handler(ctx -> Routes.methodNotAllowed(ctx, "POST"));
  }

  private void txn(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    RequestBody.read(req, api.limits().maxTxnBytes())
        .compose(body -> {
          Params params = new Params(req);
          boolean sync = Requests.sync(params, api);
          Requests.requireJson(req);
          Txn.Request txn = parser.parse(body.getBytes());
          api.durability().admitWrite();
          Txn.Result result = api.store().txn(txn, Requests.PRINCIPAL);
          return Requests.durable(ctx, api, sync, result.revision()).map(v -> {
            Requests.withRevision(ctx.response(), api.store().revision());
            Requests.sendJson(ctx, 200, encode(result).buffer());
            return v;
          });
        })
        .onFailure(ctx::fail);
  }

  private static JsonWriter encode(Txn.Result result) {
    JsonWriter json = new JsonWriter(256).beginObject()
        .field("succeeded", result.succeeded())
        .field("revision", result.revision())
        .beginArray("results");
    for (Txn.OpResult r : result.results()) {
      if (r instanceof Txn.PutResult put) {
        json.beginObject().field("key", put.key()).field("revision", put.revision()).endObject();
      } else if (r instanceof Txn.DeleteResult del) {
        json.beginObject().field("key", del.key()).field("revision", del.revision())
            .field("deleted", del.deleted()).endObject();
      } else if (r instanceof Txn.GetResult get && get.entry() != null) {
        EntryJson.writeEntry(json, get.entry(), true);
      } else if (r instanceof Txn.GetResult get) {
        json.beginObject().field("key", get.key()).field("found", false).endObject();
      }
    }
    return json.endArray().endObject();
  }
}
