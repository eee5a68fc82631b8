package io.ssot.cluster;

import io.ssot.config.Config;
import io.ssot.config.Settings;
import io.ssot.core.NotLeader;
import io.ssot.core.RevisionWaiters;
import io.ssot.core.WriteGate;
import io.ssot.persist.PgLocation;
import io.ssot.persist.WriteBehind;
import io.ssot.store.Commit;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node in its cluster: its role, the leader it knows, and the gate of its writes. Every
 * {@code cluster.pollInterval} it heartbeats its row in the membership table, reads the term and
 * the members, and, as a follower, applies what PostgreSQL holds beyond its store
 * ({@link PgFollower}). {@link Leadership} makes it leader: only then, and only while its lease
 * runs, does {@link #admit()} let writes through.
 *
 * <p>With {@code redis.url} set, the leader also publishes each revision PostgreSQL holds to the
 * Redis stream ({@link StreamPublisher}) and a follower reads it ({@link StreamFollower}), which
 * asks for the same catch-up from PostgreSQL whenever the stream cannot give the next revision.
 * The poll goes on alongside: the stream only speeds delivery, a leader that stops publishing
 * stalls nobody.
 */
public final class ClusterNode implements WriteGate {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);

  /** How long one XREAD waits for new entries: a dead Redis connection is noticed within it and a grace. */
  private static final Duration STREAM_BLOCK = Duration.ofSeconds(1);

  /** How often a forwarded write's wait for its revision asks PostgreSQL again. */
  private static final long AWAIT_RETRY_MILLIS = 20;
  /** How long a forwarded write's revision is left to the Redis stream before PostgreSQL is asked. */
  private static final long STREAM_GRACE_MILLIS = 50;

  private static final String HEARTBEAT = """
      INSERT INTO ssot_cluster_members (id, url, role, applied_revision, last_seen) VALUES (?, ?, ?, ?, now())
      ON CONFLICT (id) DO UPDATE SET url = excluded.url, role = excluded.role,
        applied_revision = excluded.applied_revision, last_seen = excluded.last_seen""";

  private final Vertx vertx;
  private final MvccStore store;
  private final WriteBehind writeBehind;
  private final PgLocation pg;
  private final long pollMillis;
  private final long leaseMillis;
  private final PgFollower follower;
  private final WorkerExecutor worker;
  /** Empty: no Redis, followers only poll PostgreSQL. */
  private final String redisUrl;
  private final long redisStreamLength;
  private final AtomicBoolean polling = new AtomicBoolean();
  private final AtomicLong forwardedWrites = new AtomicLong();
  /** The stream's publisher while this node leads, its follower while it follows (Redis configured). */
  private volatile StreamPublisher publisher;
  private volatile StreamFollower streamFollower;
  /** Counts of the stream followers this node has stopped, so that the totals only grow. */
  private final AtomicLong appliedFromStreamBefore = new AtomicLong();
  private final AtomicLong streamCatchUpsBefore = new AtomicLong();
  private NodeIdentity self;
  private Leadership leadership;
  private long pollTimer = -1;
  /** Touched on the worker thread only. */
  private Connection jdbc;

  private volatile Role role = Role.FOLLOWER;
  private volatile long leaseUntilNanos;
  private volatile long term;
  private volatile String leaderId;
  private volatile String leaderUrl;
  private volatile long pgRevision;
  private volatile long lastCaughtUpMillis = System.currentTimeMillis();
  private volatile List<Member> members = List.of();
  private volatile String diverged;
  private volatile String lastError;
  private volatile boolean stopping;
  private volatile LongConsumer applyLagMillis = lag -> { };
  private volatile Consumer<String> onDiverged = reason -> { };
  private final List<Runnable> onLeading = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** Forwarded writes waiting for their revision (reads at a revision keep their own). */
  private final RevisionWaiters appliedWaits;
  private final AtomicBoolean catchUpQueued = new AtomicBoolean();

  public ClusterNode(Vertx vertx, MvccStore store, WriteBehind writeBehind, PgLocation pg, Config config) {
    this.vertx = vertx;
    this.store = store;
    this.writeBehind = writeBehind;
    this.pg = pg;
    this.pollMillis = config.get(Settings.CLUSTER_POLL_INTERVAL).toMillis();
    this.leaseMillis = config.get(Settings.CLUSTER_LEASE_TIMEOUT).toMillis();
    this.follower = new PgFollower(store, writeBehind, this::applied);
    this.redisUrl = config.get(Settings.REDIS_URL);
    this.redisStreamLength = config.get(Settings.CLUSTER_REDIS_STREAM_LENGTH);
    if (redisConfigured()) {
      // One listener for the process; it feeds whichever publisher leads now.
      writeBehind.addPersistedListener(revision -> {
        StreamPublisher p = publisher;
        if (p != null) {
          p.persisted(revision);
        }
      });
    }
    this.appliedWaits = new RevisionWaiters(store);
    // One thread: catching up, taking over and heartbeats never overlap.
    this.worker = vertx.createSharedWorkerExecutor("ssot-cluster", 1, 10, TimeUnit.MINUTES);
  }

  /** Joins the cluster as {@code self}: heartbeats, follows, and tries to lead. */
  public void start(NodeIdentity self) {
    this.self = self;
    LOG.info("Cluster '{}': node {} at {}, following until it holds the leader lock", self.clusterName(),
        self.id(), self.url());
    pollTimer = vertx.setPeriodic(0, pollMillis, id -> poll());
    startStreamFollower();
    leadership = new Leadership(vertx, pg.connectOptions(), self, this, leaseMillis);
    leadership.start();
  }

  // ---- the gate -------------------------------------------------------------------------------

  @Override
  public void admit() {
    if (commitsWrites()) {
      return;
    }
    String id = leaderId;
    String url = leaderUrl;
    boolean selfNamed = self != null && self.id().equals(id);
    if (id == null || selfNamed) {
      throw new NotLeader("this node is not the leader and no leader is known now; retry shortly", null, null);
    }
    // A follower forwards what it can (api.WriteForwarding): what gets here could not be forwarded.
    throw new NotLeader("this node does not commit writes now: send the write to the leader " + id + " at " + url,
        id, url);
  }

  /** Whether this node commits writes itself now: it leads, its lease runs, and it is not stopping. */
  public boolean commitsWrites() {
    return role == Role.LEADER && leaseUntilNanos - System.nanoTime() > 0 && !stopping;
  }

  // ---- forwarded writes -----------------------------------------------------------------------

  /** Counts a write this follower sent on to the leader. */
  public void forwarded() {
    forwardedWrites.incrementAndGet();
  }

  /** Writes this node has forwarded to the leader since it started. */
  public long forwardedWrites() {
    return forwardedWrites.get();
  }

  /**
   * Completes, without blocking, once the store holds {@code revision} (a forwarded write the
   * leader has committed) or {@code withinMillis} have passed; with the store's revision then, on
   * the caller's context. Woken by the store's commits. The Redis stream, when it is up, brings
   * the revision within milliseconds; without it (or after {@link #STREAM_GRACE_MILLIS} without
   * it), PostgreSQL is asked at once and again every {@link #AWAIT_RETRY_MILLIS} (a {@code local}
   * write reaches PostgreSQL a little after its answer), one catch-up at a time for all waiters.
   */
  public Future<Long> awaitApplied(long revision, long withinMillis) {
    RevisionWaiters.Waiter w = appliedWaits.await(revision, vertx.getOrCreateContext());
    if (w.future().isComplete()) {
      return Future.succeededFuture(store.revision());
    }
    long deadline = vertx.setTimer(Math.max(1, withinMillis), id -> {
      if (w.cancel()) {
        w.complete();
      }
    });
    long firstAsk = streamDelivering() ? STREAM_GRACE_MILLIS : 1;
    long asking = vertx.setPeriodic(firstAsk, AWAIT_RETRY_MILLIS, id -> requestCatchUp());
    return w.future().map(v -> {
      vertx.cancelTimer(deadline);
      vertx.cancelTimer(asking);
      return store.revision();
    });
  }

  private boolean streamDelivering() {
    StreamFollower f = streamFollower;
    return f != null && !f.failing();
  }

  /** One catch-up from PostgreSQL on the worker, unless one is queued already (it will see the same). */
  private void requestCatchUp() {
    if (role != Role.FOLLOWER || stopping || !catchUpQueued.compareAndSet(false, true)) {
      return;
    }
    worker.executeBlocking(() -> {
      catchUpQueued.set(false);
      if (role == Role.FOLLOWER && !stopping) {
        catchUp();
      }
      return null;
    }, true).onFailure(e -> LOG.debug("Catch-up for a forwarded write failed: {}", e.toString()));
  }

  // ---- called by Leadership -------------------------------------------------------------------

  /** Whether this node may take the lock: not when its store has diverged from PostgreSQL, nor when stopping. */
  boolean mayLead() {
    return diverged == null && !stopping && self != null;
  }

  /**
   * Holding the lock at {@code term}: applies everything PostgreSQL holds beyond the store, then
   * fences the write-behind with the term. Completes with false when the store has diverged.
   */
  Future<Boolean> prepareToLead(long term) {
    // The stream's follower stops applying first: from the catch-up on, only this node commits.
    return stopStreamFollower().compose(v -> worker.executeBlocking(() -> {
      if (!catchUp()) {
        return false;
      }
      writeBehind.writeAs(term);
      return true;
    }, true));
  }

  /** An attempt to lead ended without leading (the lock was not taken or was lost meanwhile): follow on. */
  void tookNoLead() {
    if (role == Role.FOLLOWER) {
      startStreamFollower();
    }
  }

  void lead(long term, long leaseUntil) {
    this.term = term;
    this.leaseUntilNanos = leaseUntil;
    this.leaderId = self.id();
    this.leaderUrl = self.url();
    this.role = Role.LEADER;
    LOG.info("Leading cluster '{}' at term {} from revision {}", self.clusterName(), term, store.revision());
    if (redisConfigured()) {
      // What PostgreSQL held before this term is in the stream already, or followers read it there.
      StreamPublisher p = new StreamPublisher(vertx, store, redisUrl, self.clusterName(), redisStreamLength,
          writeBehind.persistedRevision());
      publisher = p;
      p.persisted(writeBehind.persistedRevision());
    }
    onLeading.forEach(Runnable::run);
  }

  /**
   * Runs {@code action} each time this node starts to lead, once it has caught up with
   * PostgreSQL: a write the cluster needs once (not one per node) belongs there.
   */
  public void whenLeading(Runnable action) {
    onLeading.add(action);
  }

  long leaseUntilNanos() {
    return leaseUntilNanos;
  }

  void extendLease(long until) {
    if (until - leaseUntilNanos > 0) {
      leaseUntilNanos = until;
    }
  }

  void follow(String reason) {
    role = Role.FOLLOWER;
    leaderId = null;
    leaderUrl = null;
    LOG.warn("No longer leading cluster '{}' (term {}): {}; writes are refused, following", self.clusterName(),
        term, reason);
    writeBehind.abandonWaits("this node stopped leading (" + reason + ")");
    StreamPublisher p = publisher;
    publisher = null;
    if (p != null) {
      p.stop();
    }
    startStreamFollower();
  }

  // ---- the Redis stream -----------------------------------------------------------------------

  private boolean redisConfigured() {
    return !redisUrl.isEmpty();
  }

  /** As a follower with Redis configured, and only then, reads the stream (at most one follower at a time). */
  private synchronized void startStreamFollower() {
    if (!redisConfigured() || streamFollower != null || role != Role.FOLLOWER || diverged != null || stopping
        || self == null) {
      return;
    }
    StreamFollower f = new StreamFollower(vertx, store, redisUrl, self.clusterName(), this::catchUpNow,
        STREAM_BLOCK, new StreamFollower.Persisted() {
          @Override
          public long persistedRevision() {
            return writeBehind.persistedRevision();
          }

          @Override
          public void markPersisted(long revision) {
            writeBehind.markPersisted(revision);
          }
        }, this::applied);
    streamFollower = f;
    f.start();
  }

  private synchronized Future<Void> stopStreamFollower() {
    StreamFollower f = streamFollower;
    if (f == null) {
      return Future.succeededFuture();
    }
    streamFollower = null;
    appliedFromStreamBefore.addAndGet(f.appliedFromStream());
    streamCatchUpsBefore.addAndGet(f.catchUps());
    return f.stop();
  }

  /** The stream follower's catch-up: PostgreSQL's history now, on the worker (after any poll in progress). */
  private Future<Long> catchUpNow() {
    return worker.executeBlocking(() -> {
      if (role == Role.FOLLOWER && !stopping) {
        catchUp();
      }
      return store.revision();
    }, true);
  }

  // ---- the worker -----------------------------------------------------------------------------

  private void poll() {
    if (stopping || !polling.compareAndSet(false, true)) {
      return;
    }
    worker.executeBlocking(() -> {
      if (role == Role.FOLLOWER) {
        catchUp();
      }
      refresh();
      return null;
    }, true).onComplete(ar -> {
      polling.set(false);
      if (ar.failed()) {
        lastError = ar.cause().getMessage();
        LOG.warn("Cluster poll failed: {}", lastError);
        closeJdbc();
      }
    });
  }

  /** On the worker. @return false when the store has diverged from PostgreSQL */
  private boolean catchUp() throws SQLException {
    if (diverged != null) {
      return false;
    }
    try {
      pgRevision = follower.catchUp(jdbc());
      if (store.revision() >= pgRevision) {
        lastCaughtUpMillis = System.currentTimeMillis();
      }
      lastError = null;
      return true;
    } catch (PgFollower.Diverged | StoreException.RevisionRepeated | StoreException.RevisionGap e) {
      diverged = e.getMessage();
      stopStreamFollower();
      LOG.error("This node stops following: {}. Its store is not the cluster's history: it never leads, and it "
          + "restarts, saving the revisions PostgreSQL lacks to <data>/orphaned-<from>-<to>.ndjson and rebuilding "
          + "its store from PostgreSQL.", diverged);
      onDiverged.accept(diverged);
      return false;
    }
  }

  /** On the worker: heartbeat, then the term and the members as PostgreSQL has them. */
  private void refresh() throws SQLException {
    Connection c = jdbc();
    try (PreparedStatement s = c.prepareStatement(HEARTBEAT)) {
      s.setString(1, self.id());
      s.setString(2, self.url());
      s.setString(3, stopping ? "stopped" : role.label());
      s.setLong(4, store.revision());
      s.executeUpdate();
    }
    try (PreparedStatement s = c.prepareStatement(
        "SELECT term, leader_id, leader_url FROM ssot_cluster_term WHERE id = 1");
         ResultSet rs = s.executeQuery()) {
      rs.next();
      long known = rs.getLong(1);
      String id = rs.getString(2);
      if (role == Role.FOLLOWER) {
        term = known;
        // The row names the last node that took over: this node, when it has just stepped down, is no leader.
        boolean self = this.self.id().equals(id);
        leaderId = self ? null : id;
        leaderUrl = self ? null : rs.getString(3);
      }
    }
    List<Member> rows = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(
        "SELECT id, url, role, applied_revision, last_seen FROM ssot_cluster_members ORDER BY id");
         ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        rows.add(new Member(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
            rs.getObject(5, java.time.OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC).toString()));
      }
    }
    members = List.copyOf(rows);
  }

  private Connection jdbc() throws SQLException {
    if (jdbc == null) {
      Properties p = pg.jdbcProperties();
      // A PostgreSQL that stops answering must not hold the worker (and with it the catch-up) for ever.
      p.setProperty("connectTimeout", "5");
      p.setProperty("socketTimeout", "10");
      jdbc = DriverManager.getConnection(pg.jdbcUrl(), p);
    }
    return jdbc;
  }

  private void closeJdbc() {
    worker.executeBlocking(() -> {
      if (jdbc != null) {
        try {
          jdbc.close();
        } catch (SQLException ignored) {
          // it is being dropped
        }
        jdbc = null;
      }
      return null;
    }, true);
  }

  // ---- what it reports ------------------------------------------------------------------------

  /**
   * {@code not-configured} without {@code redis.url}; {@code down} while this node's publisher or
   * stream follower cannot reach Redis; {@code idle} when it has neither (diverged, stopping,
   * taking over); else {@code up}.
   */
  public String redisStatus() {
    if (!redisConfigured()) {
      return "not-configured";
    }
    StreamPublisher p = publisher;
    StreamFollower f = streamFollower;
    if (p == null && f == null) {
      return "idle";
    }
    return (p != null && p.failing()) || (f != null && f.failing()) ? "down" : "up";
  }

  /** Commits this node has applied from the Redis stream (not from PostgreSQL), since it started. */
  public long appliedFromStream() {
    StreamFollower f = streamFollower;
    return appliedFromStreamBefore.get() + (f == null ? 0 : f.appliedFromStream());
  }

  /** Catch-ups from PostgreSQL that the stream follower asked for (a gap, a trim, Redis down), since start. */
  public long streamCatchUps() {
    StreamFollower f = streamFollower;
    return streamCatchUpsBefore.get() + (f == null ? 0 : f.catchUps());
  }

  /** The last revision this node published to the stream as leader, or -1 when it is not publishing. */
  public long publishedRevision() {
    StreamPublisher p = publisher;
    return p == null ? -1 : p.publishedRevision();
  }

  public Role role() {
    return role;
  }

  /** The term this node leads, or the last one it read from PostgreSQL. */
  public long term() {
    return term;
  }

  public NodeIdentity self() {
    return self;
  }

  /** The leader's id, or {@code null} when none is known. */
  public String leaderId() {
    return leaderId;
  }

  public String leaderUrl() {
    return leaderUrl;
  }

  public long appliedRevision() {
    return store.revision();
  }

  /** Revisions PostgreSQL held at the last poll that this node has not applied. */
  public long lagRevisions() {
    return role == Role.LEADER ? 0 : Math.max(0, pgRevision - store.revision());
  }

  /**
   * Reports, for each commit this node applies as a follower, the time from the leader's commit
   * to its own in milliseconds, by the two nodes' wall clocks (their skew counts in it).
   */
  public void reportApplyLagTo(LongConsumer millis) {
    applyLagMillis = millis;
  }

  private void applied(Commit commit) {
    applyLagMillis.accept(Math.max(0, System.currentTimeMillis() - commit.timestamp()));
  }

  /** Since when this node has been behind PostgreSQL (0 when it is not). */
  public long lagMillis() {
    return lagRevisions() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - lastCaughtUpMillis);
  }

  public List<Member> members() {
    return members;
  }

  /**
   * Calls {@code action} (once, with the reason) when this node finds that its store holds
   * revisions the cluster's history does not: the server must stop serving them and rebuild.
   */
  public void whenDiverged(Consumer<String> action) {
    onDiverged = action;
  }

  /** Why this node stopped following (its store diverged from PostgreSQL), or {@code null}. */
  public String diverged() {
    return diverged;
  }

  /** The last failure to reach PostgreSQL from the cluster's worker, or {@code null}. */
  public String lastError() {
    return lastError;
  }

  /**
   * The first step of a shutdown: refuses writes from now on and stops following; the lock is
   * kept until {@link #stop}, so that the write-behind can drain under this node's term first.
   */
  public void refuseWrites() {
    stopping = true;
    stopStreamFollower();
  }

  /** Releases the lock, records this node as stopped and stops polling. */
  public Future<Void> stop(Duration timeout) {
    stopping = true;
    vertx.cancelTimer(pollTimer);
    stopStreamFollower();
    Future<Void> released = leadership == null ? Future.succeededFuture() : leadership.stop();
    return released.compose(v -> worker.executeBlocking(() -> {
      if (self != null) {
        refresh();
      }
      return null;
    }, true)).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).<Void>mapEmpty()
        .recover(e -> Future.succeededFuture())
        .eventually(() -> {
          closeJdbc();
          return worker.close();
        });
  }
}
