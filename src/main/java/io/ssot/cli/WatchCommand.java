package io.ssot.cli;

import io.ssot.client.SsotClient;
import io.ssot.client.SsotException;
import io.ssot.client.Watch;
import io.ssot.client.WatchEvent;
import io.ssot.client.WatchListener;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Prints every change under a prefix (or of one key) until interrupted. When the connection
 * breaks, the client reconnects (to the next endpoint if need be) and resumes from the revision
 * after the last one printed: no change is lost or printed twice.
 */
@Command(name = "watch", description = {"Prints changes under PREFIX (or of --key KEY) as they happen, until Ctrl-C.",
    "Reconnects on its own and resumes after the last revision printed. json: one event per line."})
final class WatchCommand extends ClientCommand {

  @Parameters(arity = "0..1", paramLabel = "PREFIX", description = "Default: every key.")
  String prefix = "";

  @Option(names = "--key", paramLabel = "KEY", description = "Watch this key alone.")
  String key;

  @Option(names = "--from-revision", paramLabel = "REVISION", description = "Replay changes from REVISION on (inclusive), then follow.")
  long fromRevision;

  @Option(names = "--count", paramLabel = "N", description = "Exit after N events.")
  long count;

  @Override
  int run(SsotClient client, Output out) throws InterruptedException {
    if (fromRevision < 0 || count < 0) {
      throw new UsageException("--from-revision and --count are 0 or more");
    }
    CountDownLatch ended = new CountDownLatch(1);
    AtomicInteger exit = new AtomicInteger(ExitCodes.OK);
    AtomicLong printed = new AtomicLong();
    AtomicReference<String> why = new AtomicReference<>();
    WatchListener listener = new WatchListener() {
      @Override
      public void onEvents(long revision, List<WatchEvent> events) {
        for (WatchEvent e : events) {
          if (count > 0 && printed.get() >= count) {
            return; // the last one asked for was printed; the watch is closing
          }
          print(out, e);
          if (count > 0 && printed.incrementAndGet() >= count) {
            ended.countDown();
          }
        }
      }

      @Override
      public void onCompacted(long compactRevision) {
        why.set("changes before revision " + compactRevision + " were compacted: list the prefix again and watch from its revision");
        exit.set(ExitCodes.NOT_FOUND);
        ended.countDown();
      }

      @Override
      public void onError(SsotException error) {
        why.set(error.getMessage());
        exit.set(ExitCodes.of(error));
        ended.countDown();
      }
    };
    try (Watch watch = key != null ? client.watchKey(key, fromRevision, listener)
        : client.watchPrefix(prefix, fromRevision, listener)) {
      ended.await();
    }
    if (why.get() != null) {
      System.err.println("ssot: the watch ended: " + why.get());
    }
    return exit.get();
  }

  private static void print(Output out, WatchEvent e) {
    String type = e.deleted() ? "delete" : "put";
    if (out.format == Output.Format.json) {
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("revision", e.revision());
      line.put("type", type);
      line.put("key", e.key());
      if (!e.deleted()) {
        line.put("value", e.value());
        line.put("version", e.version());
        line.put("updatedBy", e.updatedBy());
      }
      out.line(Output.compact(line));
    } else {
      out.line(e.revision() + "\t" + type + "\t" + e.key() + (e.deleted() ? "" : "\t" + Output.value(e.value())));
    }
  }
}
