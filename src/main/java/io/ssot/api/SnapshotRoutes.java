package io.ssot.api;

import io.ssot.http.ApiException;
import io.ssot.http.Compression;
import io.ssot.persist.PgLocation;
import io.ssot.persist.PgSeed;
import io.ssot.persist.WriteBehind;
import io.ssot.protocol.Problem;
import io.ssot.snapshot.InvalidSnapshot;
import io.ssot.snapshot.SnapshotFile;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.ssot.store.StoreRestore;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Snapshots over HTTP (admin, {@link io.ssot.security.AuthHandler}), in the format of
 * {@code docs/snapshot-format.md}.
 * <ul>
 *   <li>{@code GET /v1/snapshot}: every key, reserved ones (tokens, schemas) included, at one
 *       revision (also in {@code X-SSOT-Revision}), streamed ({@link SnapshotStream}).</li>
 *   <li>{@code POST /v1/snapshot}: restores one into this store, which must never have been
 *       written (409 store-not-empty otherwise). The body, which may be larger than any other
 *       body limit, streams to a file in the data directory (bounded by the disk's free space),
 *       is verified whole (400 invalid-snapshot, nothing changed), then applied: with
 *       PostgreSQL, which must be empty too, its {@code ssot_current} gets the same state
 *       ({@link PgSeed}) and the write-behind goes on after the snapshot's revision.</li>
 * </ul>
 */
public final class SnapshotRoutes {

  /** Room the upload leaves on the data directory's disk. */
  private static final long DISK_RESERVE = 64L << 20;

  private final Api api;
  private final Path dataDir;
  private final WriteBehind writeBehind;
  private final PgLocation pg;
  private final boolean cluster;

  /**
   * @param writeBehind null without PostgreSQL
   * @param pg          null without PostgreSQL
   * @param cluster     cluster mode, where restoring online is refused (restore offline)
   */
  public SnapshotRoutes(Api api, Path dataDir, WriteBehind writeBehind, PgLocation pg, boolean cluster) {
    this.api = api;
    this.dataDir = dataDir;
    this.writeBehind = writeBehind;
    this.pg = pg;
    this.cluster = cluster;
  }

  public void mount(Router router) {
    router.get("/v1/snapshot").setName("/v1/snapshot").handler(this::save);
    router.post("/v1/snapshot").setName("/v1/snapshot").handler(this::restore);
    router.route("/v1/snapshot").setName("/v1/snapshot").handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET or POST").header("Allow", "GET, POST")));
  }

  private void save(RoutingContext ctx) {
    if (!api.store().listingReady().isDone()) {
      ctx.fail(new ApiException(Problem.UNAVAILABLE, "the key index is still being built after the start; retry shortly")
          .header("Retry-After", "1"));
      return;
    }
    new SnapshotStream(ctx.vertx(), api.store().openSnapshot(), ctx.response(), Compression.streamFor(ctx)).start();
  }

  private void restore(RoutingContext ctx) {
    MvccStore store = api.store();
    if (cluster) {
      ctx.fail(new ApiException(Problem.METHOD_NOT_ALLOWED, "a snapshot is not restored online in cluster mode: "
          + "restore it offline into an empty data directory (ssot snapshot restore) with an empty database")
          .header("Allow", "GET"));
      return;
    }
    if (store.revision() != 0 || store.size() != 0) {
      ctx.fail(notEmpty("the store is not empty (revision " + store.revision() + ", " + store.size()
          + " keys): a snapshot is restored only into a store that was never written"));
      return;
    }
    HttpServerRequest request = ctx.request();
    request.pause();
    long room;
    try {
      room = Files.getFileStore(dataDir).getUsableSpace() - DISK_RESERVE;
    } catch (IOException e) {
      ctx.fail(e);
      return;
    }
    String length = request.getHeader("Content-Length");
    if (length != null && length.trim().matches("\\d{1,18}") && Long.parseLong(length.trim()) > room) {
      ctx.fail(tooLarge(room));
      return;
    }
    if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
      // Accepted so far: a client waiting to send (curl does for an upload) need not wait for its own timeout.
      request.response().writeContinue();
    }
    Path upload = dataDir.resolve("snapshot-upload-" + System.nanoTime() + ".partial");
    ctx.vertx().fileSystem().open(upload.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
        .onFailure(ctx::fail)
        .onSuccess(file -> receive(ctx, request, file, upload, room));
  }

  /** Copies the body to {@code file}, pausing the request while the file's write queue is full. */
  private void receive(RoutingContext ctx, HttpServerRequest request, AsyncFile file, Path upload, long room) {
    AtomicLong received = new AtomicLong();
    boolean[] failed = {false};
    Runnable discard = () -> file.close().onComplete(closed -> ctx.vertx().fileSystem().delete(upload.toString()));
    request.handler(chunk -> {
      if (failed[0]) {
        return;
      }
      if (received.addAndGet(chunk.length()) > room) {
        failed[0] = true;
        discard.run();
        ctx.fail(tooLarge(room));
        return;
      }
      file.write(chunk);
      if (file.writeQueueFull()) {
        request.pause();
        file.drainHandler(v -> request.resume());
      }
    });
    request.exceptionHandler(e -> {
      if (!failed[0]) {
        failed[0] = true;
        discard.run();
        ctx.fail(new ApiException(Problem.INVALID_BODY, "the snapshot could not be read: " + e.getMessage()));
      }
    });
    request.endHandler(v -> {
      if (failed[0]) {
        return;
      }
      file.close()
          .compose(closed -> ctx.vertx().executeBlocking(() -> apply(upload), false))
          .onComplete(ar -> {
            ctx.vertx().fileSystem().delete(upload.toString());
            if (ar.failed()) {
              ctx.fail(problem(ar.cause()));
              return;
            }
            SnapshotFile.Summary s = ar.result();
            ctx.response().putHeader("Content-Type", "application/json").end(new JsonObject()
                .put("revision", s.revision()).put("keys", s.count()).put("bytes", s.bytes())
                .put("sha256", s.sha256()).put("createdAt", s.createdAt()).encode());
          });
    });
    request.resume();
  }

  /** On a worker: verify the whole file, then restore it (and seed PostgreSQL) or change nothing. */
  private SnapshotFile.Summary apply(Path upload) throws IOException {
    SnapshotFile.Summary summary = SnapshotFile.verify(upload);
    StoreRestore restore = api.store().beginRestore(summary.revision());
    try {
      if (pg != null) {
        PgSeed.seed(pg, summary.revision(), entries -> SnapshotFile.read(upload, entries, read -> { }));
        // Before the store reaches the revision: the write-behind never looks for the ones below it.
        writeBehind.markPersisted(summary.revision());
      }
      SnapshotFile.read(upload, restore::put, read -> { });
      restore.finish();
      return summary;
    } catch (IOException | RuntimeException e) {
      restore.abort();
      throw e;
    }
  }

  private static Throwable problem(Throwable failure) {
    if (failure instanceof InvalidSnapshot invalid) {
      return new ApiException(Problem.INVALID_SNAPSHOT, invalid.getMessage() + "; nothing was changed");
    }
    if (failure instanceof StoreException.NotEmpty notEmpty) {
      return notEmpty(notEmpty.getMessage());
    }
    if (failure instanceof IOException io && io.getMessage() != null && io.getMessage().contains("is not empty")) {
      return notEmpty(io.getMessage());
    }
    return failure;
  }

  private static ApiException notEmpty(String detail) {
    return new ApiException(Problem.STORE_NOT_EMPTY, detail);
  }

  private static ApiException tooLarge(long room) {
    return new ApiException(Problem.TOO_LARGE, "the snapshot is larger than the data directory's disk has room for ("
        + Math.max(0, room) + " bytes, keeping " + DISK_RESERVE + " free)");
  }
}
