package io.ssot.api;

import io.ssot.http.EntryJson;
import io.ssot.http.JsonWriter;
import io.ssot.http.Params;

import io.ssot.security.Access;
import io.ssot.security.Role;
import io.ssot.security.ValueCipher;
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
    boolean sync = Requests.sync(new Params(req), api);
    Requests.requireJson(req);
    // The keys a txn touches are in its body: it is authorized once parsed.
    api.bodies().read(ctx, api.limits().maxTxnBytes())
        .compose(body -> {
          Txn.Request parsed = parser.parse(body.getBytes());
          authorize(ctx, parsed);
          return api.writes().txn(parsed, Access.principal(ctx).name(), sync);
        })
        .map(result -> {
          Requests.withRevision(ctx.response(), api.store().revision());
          return Requests.sendJson(ctx, 200, encode(result, api.cipher()).buffer());
        })
        .onFailure(ctx::fail);
  }

  /** Every key of both branches, whichever runs: read for compares and gets, write for puts and deletes. */
  private static void authorize(RoutingContext ctx, Txn.Request txn) {
    for (Txn.Compare compare : txn.compare()) {
      Access.require(ctx, Role.READ, compare.key());
    }
    for (java.util.List<Txn.Op> branch : java.util.List.of(txn.success(), txn.failure())) {
      for (Txn.Op op : branch) {
        Access.require(ctx, op.type() == Txn.OpType.GET ? Role.READ : Role.WRITE, op.key());
      }
    }
  }

  private static JsonWriter encode(Txn.Result result, ValueCipher cipher) {
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
        EntryJson.writeEntry(json, cipher.open(get.entry()), true);
      } else if (r instanceof Txn.GetResult get) {
        json.beginObject().field("key", get.key()).field("found", false).endObject();
      }
    }
    return json.endArray().endObject();
  }
}
