package io.ssot.api;

import io.ssot.http.EntryJson;
import io.ssot.http.JsonWriter;
import io.ssot.http.Limits;
import io.ssot.http.Params;

import io.ssot.security.Access;
import io.ssot.security.Role;
import io.ssot.security.ValueCipher;
import io.ssot.store.Txn;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code POST /v1/txn}: compares, then the success or failure ops, atomically at one revision.
 *
 * <p>The values its gets read are bounded ({@code limits.maxTxnReadBytes}, else 422), not
 * streamed: they are read at one revision under the store's lock, so the answer exists whole
 * before a byte of it is sent, and once the txn has committed its writes it must be answered.
 * The store checks the bound as it reads, before anything commits, so a refusal changes nothing.
 */
final class TxnRoutes {

  /** The status line, headers and the JSON around the results, at most. */
  private static final int HEAD_BYTES = 512;
  /** The answer of one op beside its key: revision, flags, JSON. */
  private static final int OP_BYTES = 96;

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
          String principal = Access.principal(ctx).name();
          if (!reads(parsed)) {
            commit(ctx, parsed, principal, sync, new long[1]);
            return Future.succeededFuture();
          }
          // The answer of a txn with gets carries values: it goes through the connection's
          // output as a list page does, the room taken before the txn runs, so that a refusal
          // (503 output-budget-exhausted) comes before anything is committed.
          long reserve = answerBound(parsed);
          long[] built = {reserve};
          return LargeAnswers.send(api, ctx, reserve, () -> commit(ctx, parsed, principal, sync, built),
              () -> built[0]);
        })
        .onFailure(ctx::fail);
  }

  /**
   * Commits {@code txn} through the door and answers it once as durable as asked; completes when
   * the answer is written. A refusal (a schema, {@code txn-reads-too-large}, not durable) is
   * answered here. The answer is encoded before the durability wait, so that what it holds
   * meanwhile is known: {@code built[0]}.
   */
  private Future<Void> commit(RoutingContext ctx, Txn.Request txn, String principal, boolean sync, long[] built) {
    return api.writes().txn(txn, principal, sync, api.limits().maxTxnReadBytes(), result -> {
          Buffer answer = encode(result, api.cipher()).buffer();
          built[0] = answer.length() + HEAD_BYTES;
          return answer;
        })
        .onFailure(ctx::fail)
        .compose(answer -> {
          Requests.withRevision(ctx.response(), api.store().revision());
          return Requests.sendJson(ctx, 200, answer);
        });
  }

  private static boolean reads(Txn.Request txn) {
    return Stream.concat(txn.success().stream(), txn.failure().stream()).anyMatch(op -> op.type() == Txn.OpType.GET);
  }

  /**
   * The most bytes the answer of {@code txn} can take, in the branch that takes most: its gets'
   * entries, which the store stops at {@code limits.maxTxnReadBytes} (or one value alone, if
   * larger), and a key and revision for every other op.
   */
  private long answerBound(Txn.Request txn) {
    Limits limits = api.limits();
    long entry = LargeAnswers.answerBytes(limits.maxValueBytes());
    long most = 0;
    for (List<Txn.Op> branch : List.of(txn.success(), txn.failure())) {
      long gets = branch.stream().filter(op -> op.type() == Txn.OpType.GET).count();
      long values = Math.min(gets * entry, Math.max(limits.maxTxnReadBytes(), entry));
      most = Math.max(most, values + branch.size() * (limits.maxKeyBytes() + OP_BYTES));
    }
    return HEAD_BYTES + most;
  }

  /** Every key of both branches, whichever runs: read for compares and gets, write for puts and deletes. */
  private static void authorize(RoutingContext ctx, Txn.Request txn) {
    for (Txn.Compare compare : txn.compare()) {
      Access.require(ctx, Role.READ, compare.key());
    }
    for (List<Txn.Op> branch : List.of(txn.success(), txn.failure())) {
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
