package io.ssot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.client.Change;
import io.ssot.client.ConfigView;
import io.ssot.client.Durability;
import io.ssot.client.SsotClient;
import io.ssot.client.WatchEvent;
import io.ssot.client.WriteOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Change propagation, end to end: the time from a PUT on the server to the call of a
 * {@link ConfigView} listener in another JVM, at fixed rates of changes.
 *
 * <p>This JVM is the writer. It starts a second JVM, the listener ({@code --listen}), which opens
 * a {@link ConfigView} on a prefix of its own ({@code probe/<session>/}) with one listener on all
 * of it. Per rate the writer PUTs {@code warmupSeconds} of changes (not measured), then
 * {@code seconds} of measured ones, each at its scheduled time (rate × seconds changes, spread
 * over 64 keys, ~110-byte values), from a pool of sender threads so that a slow PUT does not
 * delay the next ones. Each value carries its run, sequence number and the writer's send time in
 * epoch microseconds, taken by the sender thread just before the PUT: the latency starts at the
 * actual send. How late the sends were behind their schedule is reported apart ("lag"), with
 * the rate achieved and a warning when it is under 95% of the rate asked. The listener records, at the start of its
 * listener call, its own epoch time minus that send time in an HdrHistogram. Both JVMs read the
 * wall clock through {@link EpochClock} (nanoTime plus a calibrated offset): on one machine
 * they share the wall clock, so the difference is the propagation time to within the two
 * calibrations' error, which both print (a few microseconds on Linux).
 *
 * <p>After the last measured PUT has been answered the writer PUTs an end marker with the count
 * sent and the sequence numbers whose PUT failed. The view calls its listeners in revision order,
 * so when the listener sees the marker every earlier change has been delivered or lost: it prints
 * one line, which the writer collects:
 * <pre>RESULT run rate sent putErrors received missing duplicates resyncs p50us p90us p99us p999us maxus negative clockShiftUs</pre>
 * where received counts distinct measured changes, missing those whose PUT succeeded and which
 * never reached the listener, duplicates the extra calls for a change already seen, resyncs the
 * listener calls after a re-listing (a change reported only through one is counted missing), and
 * negative the latencies below zero (clock error; recorded as 0).
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.ssot.bench.PropagationProbe <baseUrl>
 * [rates=100,1000] [seconds=20] [warmupSeconds=5] [durability=local]}; the token from
 * {@code SSOT_ADMIN_TOKEN}. Exit code 1 if a change is missing or duplicated or a PUT failed.
 */
public final class PropagationProbe {

  private static final int KEYS = 64;
  /** Sender threads: enough that PUTs answered in tens of milliseconds on a busy machine keep the rate. */
  private static final int SENDERS = 64;
  private static final String PAD = "x".repeat(48);
  private static final Duration RESULT_TIMEOUT = Duration.ofSeconds(60);

  private PropagationProbe() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length >= 1 && args[0].equals("--listen")) {
      listen(args[1], args[2], args.length > 3 ? args[3] : "view");
      return;
    }
    if (args.length < 1) {
      System.err.println("usage: PropagationProbe <baseUrl> [rates=100,1000] [seconds=20] [warmupSeconds=5] [durability=local]");
      System.exit(2);
    }
    String url = args[0];
    int[] rates = java.util.Arrays.stream((args.length > 1 ? args[1] : "100,1000").split(","))
        .mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
    int warmup = args.length > 3 ? Integer.parseInt(args[3]) : 5;
    Durability durability = Durability.valueOf((args.length > 4 ? args[4] : "local").toUpperCase(Locale.ROOT));
    System.exit(write(url, rates, seconds, warmup, durability) ? 0 : 1);
  }

  private static SsotClient client(String url) {
    return SsotClient.builder().endpoints(url).token(System.getenv("SSOT_ADMIN_TOKEN")).build();
  }

  // ---- the writer ---------------------------------------------------------------------------------

  private static boolean write(String url, int[] rates, int seconds, int warmup, Durability durability)
      throws Exception {
    String prefix = "probe/" + Long.toString(System.currentTimeMillis(), 36) + "/";
    EpochClock clock = new EpochClock();
    System.out.printf("writer: wall clock granularity %d ns, calibration uncertainty %.1f µs%n",
        clock.granularityNanos(), clock.uncertaintyNanos() / 1e3);
    List<String> results = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    boolean clean = true;
    try (SsotClient client = client(url); Listener listener = Listener.start(url, prefix)) {
      WriteOptions options = WriteOptions.none().durability(durability);
      for (int run = 0; run < rates.length; run++) {
        int rate = rates[run];
        String runPrefix = prefix + run + "/";
        clock.calibrate();
        send(client, options, clock, runPrefix, run, rate, warmup, true);
        Sent sent = send(client, options, clock, runPrefix, run, rate, seconds, false);
        long writerShiftMicros = clock.calibrate() / 1_000;
        StringBuilder failed = new StringBuilder();
        for (int i = 0; i < sent.failed.size(); i++) {
          failed.append(i == 0 ? "" : ",").append(sent.failed.get(i));
        }
        client.putJson(runPrefix + "end", "{\"run\":" + run + ",\"rate\":" + rate + ",\"sent\":" + sent.count + ",\"failed\":[" + failed + "]}");
        String line = listener.result(run);
        if (line == null) {
          System.out.printf("rate %d/s: no result from the listener within %s (the end marker never arrived)%n",
              rate, RESULT_TIMEOUT);
          clean = false;
          continue;
        }
        String[] f = line.split(" ");
        // RESULT run rate sent putErrors received missing duplicates resyncs p50 p90 p99 p999 max negative shift
        clean &= f[4].equals("0") && f[6].equals("0") && f[7].equals("0");
        results.add(String.format(Locale.ROOT, "%6d %7s %7s %9s %8s %6s %8s %8s %8s %8s %9.0f %10.2f %10.2f",
            rate, f[3], f[4], f[5], f[6], f[7], ms(f[9]), ms(f[10]), ms(f[11]), ms(f[13]),
            sent.achievedPerSecond, sent.sendLagMicros.getValueAtPercentile(99) / 1e3,
            sent.sendLagMicros.getMaxValue() / 1e3));
        System.out.println(line);
        notes.add(String.format(Locale.ROOT, "%d/s: %s latencies below zero (clock error, counted as 0); clock offset"
            + " moved during the run by %s µs in the listener, %d µs in the writer", rate, f[14], f[15], writerShiftMicros));
        if (sent.achievedPerSecond < rate * 0.95) {
          System.out.printf(Locale.ROOT, "WARNING rate %d/s: the writer sent only %.0f changes/s (p99 %.1f ms behind its"
              + " schedule); the figures are for that rate%n", rate, sent.achievedPerSecond,
              sent.sendLagMicros.getValueAtPercentile(99) / 1e3);
        }
      }
    }
    System.out.println();
    System.out.printf("%6s %7s %7s %9s %8s %6s %8s %8s %8s %8s %9s %10s %10s%n", "rate/s", "sent", "errors",
        "received", "missing", "dups", "p50 ms", "p90 ms", "p99 ms", "max ms", "sent/s", "lag p99 ms", "lag max ms");
    results.forEach(System.out::println);
    notes.forEach(System.out::println);
    System.out.println("(latency: a PUT's send time in the writer JVM to the ConfigView listener's call in the listener JVM;"
        + " lag: how late the writer sent behind its schedule; " + durability.name().toLowerCase(Locale.ROOT) + " durability)");
    return clean;
  }

  private static String ms(String micros) {
    return String.format(Locale.ROOT, "%.2f", Long.parseLong(micros) / 1e3);
  }

  private record Sent(int count, List<Integer> failed, double achievedPerSecond, Histogram sendLagMicros) {
  }

  /** Sends rate × seconds changes, each at its scheduled time, and waits for every answer. */
  private static Sent send(SsotClient client, WriteOptions options, EpochClock clock, String runPrefix, int run,
      int rate, int seconds, boolean warm) throws InterruptedException {
    int count = rate * seconds;
    if (count == 0) {
      return new Sent(0, List.of(), 0, new Histogram(3));
    }
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    List<Integer> failed = new ArrayList<>();
    Histogram lag = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    AtomicInteger errorsLogged = new AtomicInteger();
    ExecutorService senders = Executors.newFixedThreadPool(SENDERS, r -> {
      Thread t = new Thread(r, "probe-sender");
      t.setDaemon(true);
      return t;
    });
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(5);
    for (int i = 0; i < count; i++) {
      long due = start + i * period;
      for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
        LockSupport.parkNanos(wait);
      }
      int seq = i;
      senders.execute(() -> {
        long late = System.nanoTime() - due;
        long t = clock.nowMicros();
        String value = "{\"run\":" + run + ",\"seq\":" + seq + ",\"t\":" + t + ",\"w\":" + warm + ",\"pad\":\"" + PAD + "\"}";
        try {
          client.putJson(runPrefix + "k" + (seq % KEYS), value, options);
        } catch (RuntimeException e) {
          synchronized (failed) {
            failed.add(seq);
          }
          if (errorsLogged.getAndIncrement() < 5) {
            System.err.println("PUT failed: " + e);
          }
        }
        synchronized (lag) {
          lag.recordValue(Math.max(0, late / 1_000));
        }
      });
    }
    senders.shutdown();
    senders.awaitTermination(10, TimeUnit.MINUTES);
    double achieved = count * 1e9 / (System.nanoTime() - start);
    synchronized (failed) {
      return new Sent(count, List.copyOf(failed), achieved, lag);
    }
  }

  /** The listener JVM: its RESULT lines are collected, everything else it prints is passed on. */
  private static final class Listener implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> results = new LinkedBlockingQueue<>();

    private Listener(Process process) {
      this.process = process;
    }

    static Listener start(String url, String prefix) throws IOException, InterruptedException {
      String java = ProcessHandle.current().info().command()
          .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      ProcessBuilder pb = new ProcessBuilder(java, "-Xms256m", "-Xmx256m", "-cp", System.getProperty("java.class.path"),
          PropagationProbe.class.getName(), "--listen", url, prefix, System.getProperty("probe.listener", "view"))
          .redirectError(ProcessBuilder.Redirect.INHERIT);
      Listener l = new Listener(pb.start());
      Thread reader = new Thread(l::readOutput, "probe-listener-output");
      reader.setDaemon(true);
      reader.start();
      String ready = l.results.poll(RESULT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (ready == null || !ready.startsWith("READY")) {
        l.close();
        throw new IllegalStateException("the listener JVM did not get ready: " + ready);
      }
      return l;
    }

    private void readOutput() {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("RESULT ") || line.startsWith("READY")) {
            if (line.startsWith("READY")) {
              System.out.println("listener: " + line.substring("READY ".length()));
            }
            results.add(line);
          } else {
            System.out.println("listener: " + line);
          }
        }
      } catch (IOException e) {
        System.err.println("listener output: " + e);
      }
    }

    /** The RESULT line of a run, or null if none came in time. */
    String result(int run) throws InterruptedException {
      long deadline = System.nanoTime() + RESULT_TIMEOUT.toNanos();
      for (long left; (left = deadline - System.nanoTime()) > 0; ) {
        String line = results.poll(left, TimeUnit.NANOSECONDS);
        if (line != null && line.startsWith("RESULT " + run + " ")) {
          return line;
        }
      }
      return null;
    }

    @Override
    public void close() {
      try {
        OutputStream in = process.getOutputStream();
        in.close(); // the listener exits at the end of its input
      } catch (IOException ignored) {
        // already gone
      }
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---- the listener -------------------------------------------------------------------------------

  /**
   * {@code mode} view: a {@link ConfigView} listener (what a service uses); raw: a plain watch
   * listener of the same client, without the view's snapshot and listener dispatch, the ceiling
   * the view is compared with.
   */
  private static void listen(String url, String prefix, String mode) throws Exception {
    EpochClock clock = new EpochClock();
    Map<Integer, RunState> runs = new HashMap<>(); // only touched on the client's listener thread
    long[] resyncs = {0};
    try (SsotClient client = client(url)) {
      AutoCloseable listening;
      if (mode.equals("raw")) {
        listening = client.watchPrefix(prefix, 0, (revision, events) -> {
          long now = clock.nowMicros();
          for (WatchEvent e : events) {
            if (!e.deleted()) {
              onValue(e.key(), e.value(), now, runs, resyncs, clock);
            }
          }
        });
      } else {
        ConfigView view = client.view(prefix);
        listening = view;
        view.onPrefix("", change -> {
          long now = clock.nowMicros();
          onChange(change, now, runs, resyncs, clock);
        });
        if (!view.awaitReady(RESULT_TIMEOUT)) {
          System.out.println("the view of " + prefix + " did not get ready");
          System.exit(2);
        }
      }
      System.out.printf("READY wall clock granularity %d ns, calibration uncertainty %.1f µs%n",
          clock.granularityNanos(), clock.uncertaintyNanos() / 1e3);
      System.out.flush();
      // Until the writer closes our input (or dies).
      while (System.in.read() >= 0) {
        // nothing is sent on it
      }
      listening.close();
    }
  }

  private static final class RunState {
    final BitSet seen = new BitSet();
    final Histogram latencyMicros = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    long duplicates;
    long negative;
  }

  private static void onChange(Change change, long now, Map<Integer, RunState> runs, long[] resyncs, EpochClock clock) {
    if (change.resync()) {
      // The view listed the prefix again: it reports the final values only, not each change.
      resyncs[0]++;
      return;
    }
    for (Change.KeyChange kc : change.changes()) {
      JsonNode v = kc.newValue();
      if (v != null) {
        onValue(kc.key(), v, now, runs, resyncs, clock);
      }
    }
  }

  private static void onValue(String key, JsonNode v, long now, Map<Integer, RunState> runs, long[] resyncs,
                              EpochClock clock) {
    int run = v.path("run").asInt();
    RunState s = runs.computeIfAbsent(run, r -> new RunState());
    if (key.endsWith("/end")) {
      finish(run, v, s, resyncs[0], clock);
      runs.remove(run);
      resyncs[0] = 0;
      return;
    }
    if (v.path("w").asBoolean()) {
      return; // warm-up
    }
    int seq = v.path("seq").asInt();
    if (s.seen.get(seq)) {
      s.duplicates++;
      return;
    }
    s.seen.set(seq);
    long latency = now - v.path("t").asLong();
    if (latency < 0) {
      s.negative++;
      latency = 0;
    }
    s.latencyMicros.recordValue(latency);
  }

  private static void finish(int run, JsonNode end, RunState s, long resyncs, EpochClock clock) {
    int sent = end.path("sent").asInt();
    BitSet expected = new BitSet();
    expected.set(0, sent);
    int putErrors = 0;
    for (JsonNode f : end.path("failed")) {
      expected.clear(f.asInt());
      putErrors++;
    }
    BitSet arrived = (BitSet) expected.clone();
    arrived.and(s.seen);
    int missing = expected.cardinality() - arrived.cardinality();
    Histogram h = s.latencyMicros;
    // A step of the wall clock during the run would show as a moved offset.
    long shiftMicros = clock.calibrate() / 1_000;
    System.out.printf(Locale.ROOT, "RESULT %d %d %d %d %d %d %d %d %d %d %d %d %d %d %d%n", run, end.path("rate").asInt(), sent,
        putErrors, s.seen.cardinality(), missing, s.duplicates, resyncs, h.getValueAtPercentile(50),
        h.getValueAtPercentile(90), h.getValueAtPercentile(99), h.getValueAtPercentile(99.9), h.getMaxValue(),
        s.negative, shiftMicros);
    System.out.flush();
  }
}
