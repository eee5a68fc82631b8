package io.ssot.watch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.protocol.Problem;
import io.ssot.security.ValueCipher;
import io.ssot.store.ChangeLog;
import io.ssot.store.InMemoryKvStore;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.store.StoreException;
import io.ssot.store.Txn;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hub without HTTP: watches opened on an event loop over a store of in-memory maps, each
 * delivering to a sink that records what it is given.
 */
class WatchHubTest {

  /** Long enough that no progress message or slow-consumer check runs during a test. */
  private static final long QUIET_MILLIS = 600_000;

  @TempDir
  Path dir;

  private Vertx vertx;
  private Context loop;
  private MvccStore store;
  private WatchHub hub;

  /** One message a sink was given. */
  private record Message(String kind, long revision, List<String> keys, String code) {
  }

  /** Records every message, on the watch's event loop; always has room. */
  private static final class RecordingSink implements WatchSink {

    final List<Message> messages = new CopyOnWriteArrayList<>();

    @Override
    public boolean events(Watch watch, long revision, EventsPayload events) {
      List<String> keys = new ArrayList<>();
      for (Object event : new JsonArray(events.bytes.toString(UTF_8))) {
        keys.add(((JsonObject) event).getString("key"));
      }
      messages.add(new Message("events", revision, keys, null));
      return true;
    }

    @Override
    public void progress(Watch watch, long revision) {
      messages.add(new Message("progress", revision, List.of(), null));
    }

    @Override
    public void error(Watch watch, Problem problem, long revision) {
      messages.add(new Message("error", revision, List.of(), problem.code()));
    }

    @Override
    public void onDrain(Runnable action) {
    }

    @Override
    public boolean stuckSince(long nanoTime) {
      return false;
    }

    List<Long> revisions() {
      return messages.stream().filter(m -> m.kind().equals("events")).map(Message::revision).toList();
    }

    boolean received(long revision) {
      return revisions().contains(revision);
    }
  }

  @BeforeEach
  void start() throws IOException {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
    store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(), ChangeLog.open(dir, 4096, 1), false,
        System::currentTimeMillis);
    hub = new WatchHub(vertx, store, ValueCipher.DISABLED, QUIET_MILLIS, QUIET_MILLIS, 1 << 20,
        WatchOutputBudget.of(0));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
    store.close();
  }

  /** Runs {@code action} on the event loop and returns its result. */
  private <T> T onLoop(Supplier<T> action) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.runOnContext(v -> {
      try {
        result.complete(action.get());
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    try {
      return result.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  private Watch open(WatchFilter filter, long fromRevision, WatchSink sink) throws Exception {
    return onLoop(() -> hub.open("w", filter, fromRevision, sink));
  }

  private long put(String key) {
    return store.put(key, ("\"" + key + "\"").getBytes(UTF_8), Precondition.NONE, "tester").entry().revision();
  }

  private static void await(Supplier<Boolean> condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(5);
    }
  }

  @Test
  void aCommitReachesAMatchingWatchOnceAndInOrder() throws Exception {
    RecordingSink sink = new RecordingSink();
    open(WatchFilter.prefix("a/"), 0, sink);
    long r1 = put("a/1");
    put("b/1");
    long r3 = store.txn(new Txn.Request(List.of(), List.of(
        new Txn.Op(Txn.OpType.PUT, "a/2", "2".getBytes(UTF_8)), new Txn.Op(Txn.OpType.PUT, "b/2", "2".getBytes(UTF_8)),
        new Txn.Op(Txn.OpType.PUT, "a/3", "3".getBytes(UTF_8))), List.of()), "tester").revision();
    long r4 = put("a/1");
    await(() -> sink.received(r4), "the last commit arrived");
    assertEquals(List.of(new Message("events", r1, List.of("a/1"), null),
        new Message("events", r3, List.of("a/2", "a/3"), null),
        new Message("events", r4, List.of("a/1"), null)), sink.messages,
        "each matching commit once, in revision order, with only the matching changes");
  }

  @Test
  void aWatchOnOneKeySeesOnlyThatKey() throws Exception {
    RecordingSink sink = new RecordingSink();
    open(WatchFilter.key("a"), 0, sink);
    put("ab");
    put("a/");
    long r = put("a");
    await(() -> sink.received(r), "the change of the key arrived");
    assertEquals(List.of(r), sink.revisions());
  }

  @Test
  void aNonMatchingWatchGetsNothing() throws Exception {
    RecordingSink quiet = new RecordingSink();
    RecordingSink fence = new RecordingSink();
    open(WatchFilter.prefix("c/"), 0, quiet);
    open(WatchFilter.prefix(""), 0, fence);
    put("a/1");
    long last = put("b/1");
    // Both watches are pumped on the same event loop: once the fence has the last commit, the
    // other watch has been walked past it too.
    await(() -> fence.received(last), "the fence watch has the last commit");
    onLoop(() -> null);
    assertEquals(List.of(), quiet.messages);
  }

  @Test
  void aClosedWatchGetsNothingMore() throws Exception {
    RecordingSink cancelled = new RecordingSink();
    RecordingSink fence = new RecordingSink();
    Watch watch = open(WatchFilter.prefix("a/"), 0, cancelled);
    open(WatchFilter.prefix("a/"), 0, fence);
    long first = put("a/1");
    await(() -> cancelled.received(first), "the first commit arrived");
    assertEquals(2, hub.openWatches());
    onLoop(() -> {
      hub.close(watch);
      hub.close(watch); // idempotent
      return null;
    });
    assertEquals(1, hub.openWatches());
    long second = put("a/2");
    await(() -> fence.received(second), "the fence watch has the second commit");
    onLoop(() -> null);
    assertEquals(List.of(first), cancelled.revisions());
  }

  @Test
  void aWatchResumedFromAPastRevisionReplaysThenFollowsWithoutAGap() throws Exception {
    List<Long> written = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      written.add(put("a/" + i));
    }
    RecordingSink sink = new RecordingSink();
    open(WatchFilter.prefix("a/"), written.get(1), sink);
    await(() -> sink.received(written.get(4)), "the replay reached the present");
    written.add(put("a/live"));
    await(() -> sink.received(written.get(5)), "the live commit arrived");
    assertEquals(written.subList(1, 6), sink.revisions());
  }

  @Test
  void aWatchFromBelowTheCompactRevisionIsRefusedAndOneFromItReplays() throws Exception {
    String pad = "x".repeat(200);
    long last = 0;
    for (int i = 0; i < 200; i++) {
      last = store.put("k/" + (i % 10), ("\"" + pad + "\"").getBytes(UTF_8), Precondition.NONE, "tester")
          .entry().revision();
    }
    long compactRevision = store.compact(20, Long.MAX_VALUE);
    assertTrue(compactRevision > 1, "the log was compacted: " + compactRevision);

    RecordingSink refused = new RecordingSink();
    StoreException.Compacted e = assertThrows(StoreException.Compacted.class,
        () -> open(WatchFilter.prefix(""), compactRevision - 1, refused));
    assertEquals(compactRevision, e.compactRevision());
    assertEquals(0, hub.openWatches());

    RecordingSink resumed = new RecordingSink();
    open(WatchFilter.prefix(""), compactRevision, resumed);
    long end = last;
    await(() -> resumed.received(end), "the replay reached the present");
    List<Long> expected = new ArrayList<>();
    for (long r = compactRevision; r <= last; r++) {
      expected.add(r);
    }
    assertEquals(expected, resumed.revisions());
  }

  @Test
  void shutdownEndsEveryWatchWithItsLastRevision() throws Exception {
    RecordingSink sink = new RecordingSink();
    open(WatchFilter.prefix("a/"), 0, sink);
    long r = put("a/1");
    await(() -> sink.received(r), "the commit arrived");
    hub.shutdown();
    await(() -> sink.messages.size() == 2, "the watch was ended");
    assertEquals(new Message("error", r, List.of(), "shutting-down"), sink.messages.get(1));
    assertEquals(0, hub.openWatches());
  }

  @Test
  void aLongPollCompletesOnTheNextChangeOfItsKey() throws Exception {
    long before = put("lp/k");
    Future<Void> changed = onLoop(() -> hub.awaitChange("lp/k", before + 1, QUIET_MILLIS,
        Promise.<Void>promise().future()));
    RecordingSink fence = new RecordingSink();
    open(WatchFilter.prefix("lp/"), 0, fence);
    long other = put("lp/other");
    await(() -> fence.received(other), "the fence watch has the other key's change");
    onLoop(() -> null);
    assertFalse(changed.isComplete(), "another key does not end the wait");
    put("lp/k");
    changed.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    await(() -> hub.openWatches() == 1, "the long-poll's watch is closed, the fence's left");
  }

  @Test
  void aLongPollTimesOutWhenNothingChanges() throws Exception {
    Future<Void> changed = onLoop(() -> hub.awaitChange("lp/k", store.revision() + 1, 50,
        Promise.<Void>promise().future()));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> changed.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
    await(() -> hub.openWatches() == 0, "the long-poll's watch is closed");
  }
}
