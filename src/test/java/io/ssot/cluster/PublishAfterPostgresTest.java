package io.ssot.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.ssot.PgExtension;
import io.ssot.PgTestDatabase;
import io.ssot.TcpProxy;
import io.ssot.persist.PgCommitReader;
import io.ssot.persist.PgLocation;
import io.ssot.persist.Postgres;
import io.ssot.persist.WriteBehind;
import io.ssot.store.CommitCodec;
import io.ssot.store.DataDir;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader publishes a revision only once PostgreSQL holds it (the write-behind's high-water
 * mark drives it): while PostgreSQL is cut off nothing new reaches the stream, so a follower is
 * never ahead of PostgreSQL; afterwards the follower, which catches up from PostgreSQL's history,
 * holds everything once and in order.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PublishAfterPostgresTest {

  private static final DataDir.Options OPTIONS = new DataDir.Options(10_000, 64, 4 << 20, 0);
  private static final String REDIS = "redis://127.0.0.1:6379";

  @RegisterExtension
  final PgExtension pg = new PgExtension();
  @TempDir
  Path tmp;
  private final String cluster = "test-" + UUID.randomUUID();
  private final List<Long> appliedOnFollower = Collections.synchronizedList(new ArrayList<>());
  private Vertx vertx;
  private TcpProxy pgProxy;
  private Pool pool;
  private DataDir leaderDir;
  private DataDir followerDir;
  private WriteBehind writeBehind;
  private StreamPublisher publisher;
  private StreamFollower follower;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    pgProxy = new TcpProxy(PgTestDatabase.PORT);
    PgLocation location = PgLocation.parse(pg.db().url(pgProxy.port()));
    Postgres.prepare(location);
    pool = PgBuilder.pool().connectingTo(location.connectOptions()).using(vertx).build();
    leaderDir = DataDir.open(tmp.resolve("leader"), OPTIONS);
    followerDir = DataDir.open(tmp.resolve("follower"), OPTIONS);
    followerDir.store().addCommitObserver(c -> appliedOnFollower.add(c.revision()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (follower != null) {
      follower.stop().await();
    }
    if (publisher != null) {
      publisher.stop().await();
    }
    pgProxy.restore();
    if (writeBehind != null) {
      writeBehind.stop(Duration.ofSeconds(5)).await();
    }
    pool.close().await();
    Redis redis = Redis.createClient(vertx, REDIS);
    redis.send(Request.cmd(Command.DEL).arg(CommitStream.key(cluster))).await();
    redis.close();
    vertx.close().await();
    pgProxy.close();
    leaderDir.close();
    followerDir.close();
  }

  /** PostgreSQL's history, straight (not through the proxy), up to its high-water mark; blocking on a worker. */
  private Future<Long> catchUpFromPostgres() {
    MvccStore store = followerDir.store();
    return vertx.executeBlocking(() -> {
      try (Connection c = pg.db().connect()) {
        c.setAutoCommit(false);
        long persisted = PgTestDatabase.rows(c, "SELECT persisted_revision FROM ssot_state").get(0).get(0)
            instanceof Number n ? n.longValue() : 0;
        if (persisted > store.revision()) {
          PgCommitReader.read(c, store.revision() + 1, persisted, store::apply);
        }
        c.rollback();
      }
      return store.revision();
    });
  }

  private void write(MvccStore store, int count) {
    for (int i = 0; i < count; i++) {
      store.put("k/" + i % 20, ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t");
    }
  }

  private long streamLength() {
    Redis redis = Redis.createClient(vertx, REDIS);
    try {
      Response length = redis.send(Request.cmd(Command.XLEN).arg(CommitStream.key(cluster))).await();
      return length.toLong();
    } finally {
      redis.close();
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out waiting: " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void onlyWhatPostgresHoldsIsPublishedAndTheFollowerGetsAllOfItOnce() throws Exception {
    MvccStore leader = leaderDir.store();
    writeBehind = new WriteBehind(vertx, leader, pool, 0, 100, Duration.ofSeconds(2), Duration.ofMillis(300),
        new SimpleMeterRegistry());
    publisher = new StreamPublisher(vertx, leader, REDIS, cluster, 100_000, 0);
    writeBehind.addPersistedListener(publisher::persisted);
    follower = new StreamFollower(vertx, followerDir.store(), REDIS, cluster, this::catchUpFromPostgres,
        Duration.ofMillis(500));
    follower.start();

    write(leader, 50);
    await(() -> publisher.publishedRevision() == 50, "published");
    await(() -> followerDir.store().revision() == 50, "followed");

    pgProxy.cut();
    write(leader, 50);
    Thread.sleep(1000);
    assertEquals(50, writeBehind.persistedRevision(), "PostgreSQL is cut off");
    assertEquals(50, publisher.publishedRevision(), "nothing PostgreSQL lacks is published");
    assertEquals(50, streamLength());
    assertEquals(50, followerDir.store().revision(), "the follower is not ahead of PostgreSQL");

    pgProxy.restore();
    await(() -> publisher.publishedRevision() == 100, "published after PostgreSQL is back");
    await(() -> followerDir.store().revision() == 100, "followed");
    assertEquals(100, streamLength());
    assertEquals(LongStream.rangeClosed(1, 100).boxed().toList(), List.copyOf(appliedOnFollower));
    for (long r = 1; r <= 100; r++) {
      assertArrayEquals(CommitCodec.encode(leader.commitAt(r)), CommitCodec.encode(followerDir.store().commitAt(r)));
    }
    assertEquals(100, follower.appliedFromStream());
  }
}
