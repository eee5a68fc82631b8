package io.ssot.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.ssot.TcpProxy;
import io.ssot.store.CommitCodec;
import io.ssot.store.DataDir;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * The Redis stream between a leader's store and a follower's, on the real Redis (127.0.0.1:6379,
 * a fresh cluster name per test): every commit reaches the follower once and in order, and when
 * the stream cannot give the next revision (trimmed, Redis cut) the follower catches up (here from
 * the leader's change log, standing in for PostgreSQL's history) and goes back to the stream.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisStreamTest {

  private static final int REDIS_PORT = 6379;
  private static final DataDir.Options OPTIONS = new DataDir.Options(10_000, 64, 4 << 20, 0);

  @TempDir
  Path tmp;
  private final String cluster = "test-" + UUID.randomUUID();
  private Vertx vertx;
  private DataDir leaderDir;
  private DataDir followerDir;
  private MvccStore leader;
  private MvccStore follower;
  private final List<Long> appliedOnFollower = Collections.synchronizedList(new ArrayList<>());
  private StreamPublisher publisher;
  private StreamFollower streamFollower;
  private TcpProxy proxy;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    leaderDir = DataDir.open(tmp.resolve("leader"), OPTIONS);
    followerDir = DataDir.open(tmp.resolve("follower"), OPTIONS);
    leader = leaderDir.store();
    follower = followerDir.store();
    follower.addCommitObserver(c -> appliedOnFollower.add(c.revision()));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (streamFollower != null) {
      streamFollower.stop().await();
    }
    if (publisher != null) {
      publisher.stop().await();
    }
    Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:" + REDIS_PORT);
    redis.send(Request.cmd(Command.DEL).arg(CommitStream.key(cluster))).await();
    redis.close();
    if (proxy != null) {
      proxy.close();
    }
    vertx.close().await();
    leaderDir.close();
    followerDir.close();
  }

  /** The leader publishes every revision as soon as it is committed (here PostgreSQL's part is left out). */
  private void startPublisher(long maxLength) {
    startPublisher(maxLength, REDIS_PORT);
  }

  private void startPublisher(long maxLength, int redisPort) {
    publisher = new StreamPublisher(vertx, leader, "redis://127.0.0.1:" + redisPort, cluster, maxLength, 0);
    leader.addCommitListener(publisher::persisted);
  }

  private void startFollower(int redisPort) {
    streamFollower = new StreamFollower(vertx, follower, "redis://127.0.0.1:" + redisPort, cluster,
        this::catchUpFromLeader, Duration.ofMillis(500));
    streamFollower.start();
  }

  /** PostgreSQL's history stands in as the leader's change log: every revision it holds when asked, in order. */
  private Future<Long> catchUpFromLeader() {
    long holds = leader.revision();
    for (long r = follower.revision() + 1; r <= holds; r++) {
      follower.apply(leader.commitAt(r));
    }
    return Future.succeededFuture(follower.revision());
  }

  private void write(int count) {
    for (int i = 0; i < count; i++) {
      long next = leader.revision() + 1;
      if (next % 7 == 0) {
        leader.delete("k/" + (next - 1) % 50, Precondition.NONE, "t");
      } else {
        leader.put("k/" + next % 50, ("{\"r\":" + next + "}").getBytes(StandardCharsets.UTF_8), Precondition.NONE, "t");
      }
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

  /** The follower holds every revision of the leader, each applied once, in order, with the same bytes. */
  private void assertFollowerCaughtUpExactly() throws InterruptedException {
    await(() -> follower.revision() == leader.revision(), "follower at revision " + leader.revision());
    List<Long> expected = LongStream.rangeClosed(1, leader.revision()).boxed().toList();
    synchronized (appliedOnFollower) {
      assertEquals(expected, appliedOnFollower, "every revision applied once, in order");
    }
    for (long r = 1; r <= leader.revision(); r++) {
      assertArrayEquals(CommitCodec.encode(leader.commitAt(r)), CommitCodec.encode(follower.commitAt(r)),
          "revision " + r);
    }
  }

  @Test
  void everyCommitReachesTheFollowerOnceInOrderThroughTheStream() throws Exception {
    startPublisher(100_000);
    startFollower(REDIS_PORT);
    write(300);
    assertFollowerCaughtUpExactly();
    assertEquals(300, streamFollower.appliedFromStream(), "all from the stream");
    assertEquals(0, streamFollower.catchUps(), "no catch-up was needed");
    assertEquals(300, publisher.publishedRevision());
  }

  @Test
  void aTrimmedStreamMakesTheFollowerCatchUpThenItGoesOnFromTheStream() throws Exception {
    startPublisher(10);
    write(1000);
    await(() -> publisher.publishedRevision() == 1000, "published");
    Redis redis = Redis.createClient(vertx, "redis://127.0.0.1:" + REDIS_PORT);
    long length = redis.send(Request.cmd(Command.XLEN).arg(CommitStream.key(cluster))).await().toLong();
    redis.close();
    assertTrue(length < 1000, "the stream was trimmed to " + length + " entries");

    startFollower(REDIS_PORT);
    await(() -> follower.revision() == 1000, "caught up");
    assertEquals(1, streamFollower.catchUps(), "the trimmed start is a gap");
    long fromStreamBefore = streamFollower.appliedFromStream();
    // One at a time: a burst could be trimmed before the follower reads it (10 entries kept), a
    // gap it would rightly catch up on.
    for (int i = 0; i < 50; i++) {
      write(1);
      await(() -> follower.revision() == leader.revision(), "followed");
    }
    assertFollowerCaughtUpExactly();
    assertEquals(fromStreamBefore + 50, streamFollower.appliedFromStream(), "then on from the stream");
    assertEquals(1, streamFollower.catchUps());
  }

  @Test
  void aRedisCutMakesTheFollowerCatchUpAndItReturnsToTheStreamWhenRedisIsBack() throws Exception {
    proxy = new TcpProxy(REDIS_PORT);
    startPublisher(100_000);
    startFollower(proxy.port());
    write(100);
    await(() -> follower.revision() == 100, "followed");
    assertEquals(100, streamFollower.appliedFromStream());

    proxy.cut();
    write(100);
    await(() -> follower.revision() == 200, "caught up while Redis is cut off");
    assertTrue(streamFollower.catchUps() > 0);
    assertEquals(100, streamFollower.appliedFromStream(), "nothing came through the cut stream");

    proxy.restore();
    // Writes trickle until one arrives by the stream again (the follower reconnects after a backoff).
    await(() -> {
      write(1);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return streamFollower.appliedFromStream() > 100;
    }, "back on the stream");
    assertFollowerCaughtUpExactly();
    long catchUps = streamFollower.catchUps();
    long fromStream = streamFollower.appliedFromStream();
    write(100);
    assertFollowerCaughtUpExactly();
    assertEquals(fromStream + 100, streamFollower.appliedFromStream(), "the rest from the stream");
    assertEquals(catchUps, streamFollower.catchUps());
  }

  @Test
  void underBurstsOnATinyStreamEveryRevisionIsAppliedOnceWhicheverWayItCame() throws Exception {
    startPublisher(10);
    startFollower(REDIS_PORT);
    for (int burst = 0; burst < 20; burst++) {
      write(100);
      Thread.sleep(5);
    }
    assertFollowerCaughtUpExactly();
    assertTrue(streamFollower.appliedFromStream() > 0, "some came through the stream");
  }

  @Test
  void aPublisherCutOffFromRedisGoesOnAfterwardsAndTheFollowerMissesNothing() throws Exception {
    proxy = new TcpProxy(REDIS_PORT);
    startPublisher(100_000, proxy.port());
    startFollower(REDIS_PORT);
    write(100);
    await(() -> follower.revision() == 100, "followed");
    proxy.cut();
    write(100);
    Thread.sleep(300);
    assertTrue(publisher.publishedRevision() < 200, "nothing published while Redis is cut off");
    proxy.restore();
    write(100);
    assertFollowerCaughtUpExactly();
    // The follower may catch up from the store before the publisher's backoff ends: wait for both.
    await(() -> publisher.publishedRevision() == 300, "the publisher went on after Redis came back");
  }

  @Test
  void aFollowerStartedWithRedisDownFollowsByCatchUpUntilRedisAnswers() throws Exception {
    proxy = new TcpProxy(REDIS_PORT);
    proxy.cut();
    startPublisher(100_000);
    startFollower(proxy.port());
    write(100);
    await(() -> follower.revision() == 100, "caught up with Redis down");
    assertEquals(0, streamFollower.appliedFromStream());
    proxy.restore();
    await(() -> {
      write(1);
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return streamFollower.appliedFromStream() > 0;
    }, "on the stream once Redis answers");
    assertFollowerCaughtUpExactly();
  }

  @Test
  void aRedisThatAnswersNothingCountsAsDown() throws Exception {
    proxy = new TcpProxy(REDIS_PORT);
    startPublisher(100_000);
    startFollower(proxy.port());
    write(10);
    await(() -> follower.revision() == 10, "followed");
    proxy.blackhole();
    write(10);
    // The XREAD in flight gets no answer: after its block (500 ms) and the grace, the follower catches up.
    await(() -> follower.revision() == 20, "caught up behind the partition");
    assertTrue(streamFollower.catchUps() > 0);
    proxy.restore();
    write(10);
    assertFollowerCaughtUpExactly();
  }
}
