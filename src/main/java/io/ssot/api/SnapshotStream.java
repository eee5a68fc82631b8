package io.ssot.api;

import io.ssot.http.Compression;
import io.ssot.protocol.Headers;
import io.ssot.snapshot.SnapshotWriter;
import io.ssot.store.Entry;
import io.ssot.store.SnapshotCursor;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one snapshot as a response. A worker reads and encodes one page at a time; the event
 * loop writes it and asks for the next only when the response's write queue has room, so a
 * slow reader holds the server to one page, never the store. The cursor is closed (it stops
 * recording writes) when the answer ends or the connection goes.
 */
final class SnapshotStream {

  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStream.class);
  static final int PAGE_KEYS = 1000;
  static final long PAGE_BYTES = 256 << 10;

  private final Vertx vertx;
  private final SnapshotCursor cursor;
  private final HttpServerResponse response;
  /** Null when the answer is not compressed. */
  private final Compression.Stream gzip;
  private final SnapshotWriter writer = new SnapshotWriter();
  private boolean finished;

  /** @param gzip the compression of the answer's pieces, or null for none */
  SnapshotStream(Vertx vertx, SnapshotCursor cursor, HttpServerResponse response, Compression.Stream gzip) {
    this.vertx = vertx;
    this.cursor = cursor;
    this.response = response;
    this.gzip = gzip;
  }

  void start() {
    response.closeHandler(v -> finish());
    response.setChunked(true)
        .putHeader("Content-Type", "application/x-ndjson")
        .putHeader(Headers.REVISION, Long.toString(cursor.revision()))
        .putHeader("Content-Disposition", "attachment; filename=\"ssot-" + cursor.revision() + ".snapshot\"");
    response.write(encoded(Buffer.buffer(writer.header(cursor.revision(), System.currentTimeMillis()))));
    next();
  }

  private void next() {
    if (finished) {
      return;
    }
    vertx.executeBlocking(() -> {
      List<Entry> page = cursor.next(PAGE_KEYS, PAGE_BYTES);
      return page.isEmpty() ? null : encoded(Buffer.buffer(writer.entries(page)));
    }, false).onComplete(ar -> {
      if (finished) {
        return;
      }
      if (ar.failed()) {
        // The status is sent: a reset (no trailer) is how the client learns the snapshot is incomplete.
        LOG.warn("Snapshot at revision {} failed after {} entries: {}", cursor.revision(), writer.count(),
            ar.cause().toString());
        finish();
        response.reset();
      } else if (ar.result() == null) {
        Buffer trailer = Buffer.buffer(writer.trailer());
        response.end(gzip == null ? trailer : gzip.finish(trailer));
        finish();
      } else {
        if (ar.result().length() > 0) { // gzip may hold a page back whole
          response.write(ar.result());
        }
        if (response.writeQueueFull()) {
          response.drainHandler(v -> next());
        } else {
          next();
        }
      }
    });
  }

  /** {@code piece} as sent: gzipped when the answer is. */
  private Buffer encoded(Buffer piece) {
    return gzip == null ? piece : gzip.piece(piece);
  }

  private void finish() {
    if (!finished) {
      finished = true;
      cursor.close();
      if (gzip != null) {
        gzip.abandon();
      }
    }
  }
}
