package io.ssot.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Tuple;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader election: a dedicated PostgreSQL connection (not the write-behind's pool) on which
 * a follower tries {@code pg_try_advisory_lock} every {@value #TRY_MILLIS} ms. The session that
 * gets it increments the term ({@code ssot_cluster_term}) and, once the node has caught up with
 * PostgreSQL ({@link ClusterNode#prepareToLead}), leads.
 *
 * <p>A leader confirms its lock connection with a {@code SELECT 1} every quarter lease; when it
 * has not confirmed it for {@code cluster.leaseTimeout} (or the connection closes) it stops
 * committing at once ({@link ClusterNode#lease}), closes the connection and follows. PostgreSQL
 * releases the lock when the session ends; the session asks the server for short TCP keepalives,
 * so a leader whose machine vanishes loses it within seconds rather than hours.
 *
 * <p>All state is confined to one event-loop context.
 */
final class Leadership {

  private static final Logger LOG = LoggerFactory.getLogger(Leadership.class);

  static final long TRY_MILLIS = 300;

  private static final String TAKE_TERM = """
      UPDATE ssot_cluster_term SET term = term + 1, leader_id = $1, leader_url = $2, since = now()
      WHERE id = 1 RETURNING term""";

  /** Server-side keepalives of the lock session; ignored where not supported (a Unix socket). */
  private static final String KEEPALIVES = "SET tcp_keepalives_idle = 2; SET tcp_keepalives_interval = 1; "
      + "SET tcp_keepalives_count = 3; SET tcp_user_timeout = 5000";

  private final Vertx vertx;
  private final Context context;
  private final PgConnectOptions options;
  private final NodeIdentity self;
  private final ClusterNode node;
  private final long leaseMillis;
  private long timer = -1;
  private PgConnection connection;
  /** A step (connect, try, take over) is in flight on the connection. */
  private boolean busy;
  private boolean leading;
  private boolean probing;
  private long lastProbeNanos;
  private boolean stopped;

  Leadership(Vertx vertx, PgConnectOptions options, NodeIdentity self, ClusterNode node, long leaseMillis) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.options = new PgConnectOptions(options).setPipeliningLimit(1);
    this.self = self;
    this.node = node;
    this.leaseMillis = leaseMillis;
  }

  void start() {
    long tick = Math.min(TRY_MILLIS, Math.max(25, leaseMillis / 8));
    timer = vertx.setPeriodic(tick, id -> context.runOnContext(v -> tick()));
  }

  private void tick() {
    if (stopped) {
      return;
    }
    if (leading) {
      keepLease();
    } else if (!busy && node.mayLead()) {
      tryToLead();
    }
  }

  // ---- follower -------------------------------------------------------------------------------

  private void tryToLead() {
    busy = true;
    Future<PgConnection> connected = connection != null ? Future.succeededFuture(connection) : connect();
    long lockedAt = System.nanoTime();
    connected.compose(c -> c.preparedQuery("SELECT pg_try_advisory_lock($1)").execute(Tuple.of(self.lockKey()))
            .timeout(leaseMillis, TimeUnit.MILLISECONDS)
            .compose(rows -> rows.iterator().next().getBoolean(0) ? takeOver(c, lockedAt) : Future.succeededFuture()))
        .onComplete(ar -> context.runOnContext(v -> {
          busy = false;
          if (ar.failed()) {
            LOG.debug("Leader lock attempt failed: {}", ar.cause().toString());
            closeConnection();
            node.tookNoLead();
          }
        }));
  }

  private Future<PgConnection> connect() {
    return connectWithin(leaseMillis).compose(c -> c.query(KEEPALIVES).execute()
        .otherwise(e -> null).map(v -> c))
        .onSuccess(c -> context.runOnContext(v -> {
          if (stopped) {
            c.close();
            return;
          }
          connection = c;
          c.closeHandler(x -> context.runOnContext(y -> {
            if (connection == c) {
              connection = null;
              if (leading) {
                stepDown("its lock connection to PostgreSQL closed");
              }
            }
          }));
        }));
  }

  /** A connection, or a failure after {@code millis}; one that comes later is closed, not leaked. */
  private Future<PgConnection> connectWithin(long millis) {
    Promise<PgConnection> result = Promise.promise();
    long timeout = vertx.setTimer(millis, id -> result.tryFail("no connection to PostgreSQL within " + millis + " ms"));
    PgConnection.connect(vertx, options).onComplete(ar -> {
      vertx.cancelTimer(timeout);
      if (ar.succeeded() && !result.tryComplete(ar.result())) {
        ar.result().close();
      } else if (ar.failed()) {
        result.tryFail(ar.cause());
      }
    });
    return result.future();
  }

  /** Holding the lock: takes the next term, catches up, leads. A failure releases the lock (closes the session). */
  private Future<Void> takeOver(PgConnection c, long lockedAtNanos) {
    return c.preparedQuery(TAKE_TERM).execute(Tuple.of(self.id(), self.url()))
        .timeout(leaseMillis, TimeUnit.MILLISECONDS)
        .map(rows -> rows.iterator().next().getLong(0))
        .compose(term -> {
          LOG.info("Holding the leader lock of cluster '{}': term {}; catching up with PostgreSQL",
              self.clusterName(), term);
          return node.prepareToLead(term).compose(ready -> {
            if (!ready) {
              return Future.failedFuture("this node cannot lead (see readiness)");
            }
            // The lock may have been lost while catching up: confirm it before leading.
            long confirmAt = System.nanoTime();
            return c.query("SELECT 1").execute().timeout(leaseMillis, TimeUnit.MILLISECONDS).map(rows -> {
              context.runOnContext(v -> lead(term, confirmAt));
              return (Void) null;
            });
          });
        });
  }

  private void lead(long term, long confirmedAtNanos) {
    if (stopped || connection == null) {
      node.tookNoLead();
      return;
    }
    leading = true;
    lastProbeNanos = confirmedAtNanos;
    node.lead(term, confirmedAtNanos + TimeUnit.MILLISECONDS.toNanos(leaseMillis));
  }

  // ---- leader ---------------------------------------------------------------------------------

  private void keepLease() {
    long now = System.nanoTime();
    if (now - node.leaseUntilNanos() > 0) {
      stepDown("its lock connection to PostgreSQL was not confirmed for " + leaseMillis + " ms");
      return;
    }
    if (probing || now - lastProbeNanos < TimeUnit.MILLISECONDS.toNanos(leaseMillis / 4)) {
      return;
    }
    PgConnection c = connection;
    probing = true;
    lastProbeNanos = now;
    c.query("SELECT 1").execute().timeout(leaseMillis, TimeUnit.MILLISECONDS)
        .onComplete(ar -> context.runOnContext(v -> {
          probing = false;
          if (!leading || connection != c) {
            return;
          }
          if (ar.succeeded()) {
            // The lock was held when the probe was sent: the lease runs from then.
            node.extendLease(now + TimeUnit.MILLISECONDS.toNanos(leaseMillis));
          } else {
            stepDown("its lock connection to PostgreSQL failed: " + ar.cause().getMessage());
          }
        }));
  }

  private void stepDown(String reason) {
    if (!leading) {
      return;
    }
    leading = false;
    node.follow(reason);
    closeConnection();
  }

  private void closeConnection() {
    PgConnection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
  }

  /** Releases the lock (closes the session) and stops trying. */
  Future<Void> stop() {
    return Future.<Void>future(p -> context.runOnContext(v -> {
      stopped = true;
      vertx.cancelTimer(timer);
      if (leading) {
        leading = false;
        node.follow("the node is stopping");
      }
      PgConnection c = connection;
      connection = null;
      (c == null ? Future.<Void>succeededFuture() : c.close()).onComplete(ar -> p.complete());
    }));
  }
}
