package io.ssot.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link MvccStore#atOneRevision}: what a read of several keys returns is the state at one revision. */
@Timeout(60)
class OneRevisionReadTest {

  static {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  @TempDir
  Path dir;

  private MvccStore open() throws IOException {
    return new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(), ChangeLog.open(dir, 1 << 20, 1), false,
        System::currentTimeMillis);
  }

  private static byte[] json(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void aReadThatACommitOverlapsRunsAgainAndOneThatAlwaysIsGivesUp() throws IOException {
    try (MvccStore store = open()) {
      store.put("a", json(1), Precondition.NONE, "me");
      AtomicInteger runs = new AtomicInteger();
      long seen = store.atOneRevision(revision -> {
        if (runs.incrementAndGet() == 1) {
          store.put("a", json(2), Precondition.NONE, "me"); // a commit during the first run
          return -1L;
        }
        assertEquals(revision, store.get("a").revision());
        return revision;
      }, 4);
      assertEquals(2, runs.get());
      assertEquals(2, seen);

      runs.set(0);
      assertNull(store.atOneRevision(revision -> {
        store.put("a", json(runs.incrementAndGet()), Precondition.NONE, "me");
        return revision;
      }, 3));
      assertEquals(3, runs.get(), "three attempts, all overlapped");
    }
  }

  @Test
  void twoKeysWrittenInTurnAreAlwaysReadAsOfTheRevisionGiven() throws Exception {
    try (MvccStore store = open()) {
      store.put("a", json(0), Precondition.NONE, "me");
      store.put("b", json(0), Precondition.NONE, "me");
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> writerFailed = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try {
          for (long n = 1; !stop.get() && n < 200_000; n++) {
            store.put("a", json(n), Precondition.NONE, "me");
            store.put("b", json(n), Precondition.NONE, "me");
          }
        } catch (Throwable t) {
          writerFailed.set(t);
        }
      });
      writer.start();
      int answered = 0;
      try {
        for (int i = 0; i < 20_000; i++) {
          long[] read = store.atOneRevision(revision -> new long[] {revision, store.get("a").revision(),
              store.get("b").revision()}, 64);
          if (read == null) {
            continue;
          }
          answered++;
          // Only a and b are written: the latest of them is the revision the read was given.
          assertEquals(read[0], Math.max(read[1], read[2]), () -> java.util.Arrays.toString(read));
          assertTrue(read[1] <= read[0] && read[2] <= read[0]);
        }
      } finally {
        stop.set(true);
        writer.join();
      }
      assertNull(writerFailed.get());
      assertTrue(answered > 0, "no read was answered");
    }
  }
}
