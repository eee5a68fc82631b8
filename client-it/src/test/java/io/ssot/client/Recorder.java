package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

/** A view listener that keeps every change it is told of, and the thread it was told on. */
final class Recorder implements ChangeListener {

  final List<Change> changes = new CopyOnWriteArrayList<>();
  final List<String> threads = new CopyOnWriteArrayList<>();

  @Override
  public void onChange(Change change) {
    changes.add(change);
    threads.add(Thread.currentThread().getName());
  }

  List<Long> revisions() {
    return changes.stream().map(Change::revision).toList();
  }

  /** Revisions of the changes that are not resyncs. */
  List<Long> liveRevisions() {
    return changes.stream().filter(c -> !c.resync()).map(Change::revision).toList();
  }

  List<Change> resyncs() {
    return changes.stream().filter(Change::resync).toList();
  }

  /** Each revision once, ascending. */
  void assertOrderedOnce() {
    List<Long> r = revisions();
    for (int i = 1; i < r.size(); i++) {
      assertTrue(r.get(i) > r.get(i - 1), "revisions out of order or repeated at " + i + ": " + r);
    }
    for (String t : threads) {
      assertTrue(t.startsWith("ssot-listeners"), "told on " + t);
    }
  }

  static void await(String what, long timeoutMillis, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        fail("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  /**
   * Waits until this listener was told of {@code revision}: a view publishes its state before its
   * listener thread calls the listeners, so a view at that revision is not enough.
   */
  void awaitTold(long revision, long timeoutMillis) throws InterruptedException {
    await("the listener told of revision " + revision, timeoutMillis, () -> revisions().contains(revision));
  }

  /** The revisions in {@code written} that the recorder saw, in its order, must be exactly {@code written}, sorted. */
  void assertSawExactly(List<Long> written) {
    List<Long> sorted = new ArrayList<>(written);
    sorted.sort(null);
    assertEquals(sorted, liveRevisions());
  }
}
