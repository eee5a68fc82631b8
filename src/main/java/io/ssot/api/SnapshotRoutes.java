package io.ssot.api;

import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /v1/snapshot} (admin, {@link io.ssot.security.AuthHandler}): every key, reserved
 * ones (tokens, schemas) included, at one revision, streamed in the format of
 * {@code docs/snapshot-format.md}; the revision is also in {@code X-SSOT-Revision}.
 */
final class SnapshotRoutes {

  private final Api api;

  SnapshotRoutes(Api api) {
    this.api = api;
  }

  void mount(Router router) {
    router.get("/v1/snapshot").setName("/v1/snapshot").handler(this::save);
    router.route("/v1/snapshot").setName("/v1/snapshot").handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET").header("Allow", "GET")));
  }

  private void save(RoutingContext ctx) {
    if (!api.store().listingReady().isDone()) {
      ctx.fail(new ApiException(Problem.UNAVAILABLE, "the key index is still being built after the start; retry shortly")
          .header("Retry-After", "1"));
      return;
    }
    new SnapshotStream(ctx.vertx(), api.store().openSnapshot(), ctx.response()).start();
  }
}
