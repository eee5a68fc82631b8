package io.ssot.cluster;

import io.ssot.store.Commit;
import io.ssot.store.CommitCodec;
import io.ssot.store.MvccStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader: adds each revision to the Redis stream once PostgreSQL holds it (it is told of
 * the write-behind's high-water mark, {@link #persisted}), in revision order, trimmed to about
 * {@code cluster.redisStreamLength} entries. Redis only speeds followers up: while it is down the
 * publisher retries with backoff and, when it is back, goes on with the latest revisions only
 * (followers catch up on the rest from PostgreSQL); no write waits for it.
 *
 * <p>All state is confined to one event-loop context; {@link #persisted} may be called from any thread.
 */
public final class StreamPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(StreamPublisher.class);
  /** XADDs pipelined at once: bounds the memory of one round, not the rate. */
  private static final int MAX_BATCH = 512;

  /** A round of XADDs not answered within it counts as a Redis failure (a partition answers nothing). */
  private static final long ANSWER_TIMEOUT_MILLIS = 5000;

  private final Context context;
  private final Vertx vertx;
  private final MvccStore store;
  private final RedisLink link;
  private final String key;
  private final long maxLength;
  private final Backoff backoff = new Backoff(100, 2000);
  private boolean busy;
  private boolean stopped;
  private volatile boolean failing;
  private volatile long published;
  private volatile long target;

  /**
   * @param publishedBefore the revision from which on this leader publishes: revisions up to it
   *                        were published by an earlier leader, or followers read them from PostgreSQL
   */
  public StreamPublisher(Vertx vertx, MvccStore store, String redisUrl, String clusterName, long maxLength,
                         long publishedBefore) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.store = store;
    this.link = new RedisLink(vertx, context, redisUrl);
    this.key = CommitStream.key(clusterName);
    this.maxLength = maxLength;
    this.published = publishedBefore;
    this.target = publishedBefore;
  }

  /** PostgreSQL holds every revision up to {@code revision}: publish them. Any thread. */
  public void persisted(long revision) {
    if (revision > target) {
      target = revision;
      context.runOnContext(v -> pump());
    }
  }

  /** Whether the last attempt to publish failed (Redis down or unreachable). */
  public boolean failing() {
    return failing;
  }

  /** The last revision Redis accepted (or that was given up, see the class comment). */
  public long publishedRevision() {
    return published;
  }

  private void pump() {
    if (busy || stopped) {
      return;
    }
    long from = published + 1;
    if (failing) {
      // Back from an outage: what it missed beyond the stream's length would be trimmed at once;
      // followers that need it read PostgreSQL.
      from = Math.max(from, target - maxLength + 1);
    }
    long to = Math.min(target, from + MAX_BATCH - 1);
    if (from > to) {
      return;
    }
    busy = true;
    long first = from;
    link.connected().compose(c -> send(c, first, to)).onComplete(ar -> {
      busy = false;
      if (ar.succeeded()) {
        if (failing) {
          LOG.info("Publishing to the Redis stream {} again from revision {}", key, first);
          failing = false;
        }
        backoff.reset();
        pump();
      } else {
        retryLater(ar.cause());
      }
    });
  }


  /** Pipelines XADD from..to; {@link #published} moves over every one Redis holds, stopping at the first failure. */
  private Future<Void> send(RedisConnection c, long from, long to) {
    List<Long> revisions = new ArrayList<>();
    List<Future<?>> replies = new ArrayList<>();
    for (long r = from; r <= to; r++) {
      Commit commit = commitAt(r);
      if (commit == null) {
        continue; // compacted away or unreadable: followers read it from PostgreSQL
      }
      revisions.add(r);
      replies.add(c.send(xadd(commit)));
    }
    return CommitStream.within(vertx, Future.join(replies), ANSWER_TIMEOUT_MILLIS).transform(all -> {
      for (int i = 0; i < revisions.size(); i++) {
        Future<?> reply = replies.get(i);
        boolean inStream = reply.succeeded() || (reply.failed() && alreadyThere(reply.cause()));
        if (!inStream) { // failed, or unanswered when the round timed out
          published = Math.max(published, revisions.get(i) - 1);
          return Future.failedFuture(reply.failed() ? reply.cause() : all.cause());
        }
      }
      published = Math.max(published, to);
      return Future.succeededFuture();
    });
  }

  private Commit commitAt(long revision) {
    try {
      return store.commitAt(revision);
    } catch (RuntimeException e) {
      LOG.warn("Revision {} cannot be read from the change log ({}): not published", revision, e.toString());
      return null;
    }
  }

  private Request xadd(Commit commit) {
    long r = commit.revision();
    return Request.cmd(Command.XADD).arg(key).arg("MAXLEN").arg("~").arg(maxLength).arg(CommitStream.id(r))
        .arg(CommitStream.REVISION_FIELD).arg(r)
        .arg(CommitStream.COMMIT_FIELD).arg(Buffer.buffer(CommitCodec.encode(commit)));
  }

  /** Redis refuses an id not above the stream's last: that revision is in the stream already. */
  private static boolean alreadyThere(Throwable failure) {
    String message = String.valueOf(failure.getMessage());
    return message.contains("equal or smaller");
  }

  private void retryLater(Throwable cause) {
    link.discard();
    if (stopped) {
      return;
    }
    long delay = backoff.nextMillis();
    if (!failing) {
      LOG.warn("Cannot publish to the Redis stream {} ({}); followers read PostgreSQL meanwhile, retrying",
          key, cause.getMessage() == null ? cause.toString() : cause.getMessage());
      failing = true;
    }
    vertx.setTimer(delay, id -> context.runOnContext(v -> pump()));
  }



  /** Stops publishing (this node is no longer the leader, or shuts down). */
  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      link.close();
      done.complete();
    });
    return done.future();
  }
}
