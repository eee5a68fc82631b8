package io.ssot.api;

import io.ssot.http.ApiException;
import io.ssot.persist.PgDrift;
import io.ssot.protocol.Problem;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;

/**
 * {@code GET /v1/pg/drift} (admin, mounted only with PostgreSQL): runs a drift check that starts
 * after the request and answers what it found: both digests and the keys that differ between the
 * store and {@code ssot_current}, for {@code ssot diff --pg}. It changes nothing on either side.
 */
public final class PgDriftRoutes {

  private final PgDrift drift;

  public PgDriftRoutes(PgDrift drift) {
    this.drift = drift;
  }

  public void mount(Router router) {
    router.get("/v1/pg/drift").setName("/v1/pg/drift").handler(this::check);
    router.route("/v1/pg/drift").setName("/v1/pg/drift").handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET").header("Allow", "GET")));
  }

  private void check(RoutingContext ctx) {
    drift.checkFresh().onComplete(ar -> {
      if (ar.failed()) {
        ctx.fail(new ApiException(Problem.UNAVAILABLE, "the drift check could not run: " + ar.cause().getMessage())
            .header("Retry-After", "5"));
        return;
      }
      PgDrift.Result r = ar.result();
      JsonArray keys = new JsonArray();
      for (PgDrift.Difference d : r.keys()) {
        keys.add(new JsonObject().put("key", d.key())
            .put("storeRevision", d.storeRevision() == 0 ? null : d.storeRevision())
            .put("pgRevision", d.pgRevision() == 0 ? null : d.pgRevision()));
      }
      JsonObject body = new JsonObject()
          .put("revision", r.revision())
          .put("pgPersistedRevision", r.pgRevision())
          .put("checkedAt", Instant.ofEpochMilli(r.checkedAtMillis()).toString())
          .put("storeDigest", r.storeDigest())
          .put("pgDigest", r.pgDigest())
          .put("compared", r.compared())
          .put("skipped", r.skipped())
          .put("drifted", r.drifted())
          .put("keys", keys)
          .put("truncated", r.drifted() > r.keys().size());
      ctx.response().putHeader("Content-Type", "application/json").end(body.encode());
    });
  }
}
