package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A near cache of every key under a prefix: one listing, then one watch from its revision, the
 * changes applied in revision order. Reads ({@link #get}, the typed getters, {@link #snapshot()})
 * are lookups in an immutable map behind a volatile field: no I/O, no lock.
 *
 * <p>After a disconnect the client's watch connection resumes from the next revision on the same
 * or another endpoint (no gap, no duplicate). After {@code compacted} the view lists the prefix
 * again and reports the difference to its listeners once ({@link Change#resync()}). With a
 * {@link Builder#fallbackFile fallback file}, the last snapshot is kept on disk and loaded when no
 * endpoint answers within the start-up timeout; the view is then {@link #stale()} until it
 * reaches a server.
 */
public final class ConfigView implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(ConfigView.class.getName());
  /** Changes within this time make one fallback-file write. */
  private static final long FALLBACK_WRITE_DELAY_MS = 200;

  private final SsotClient client;
  private final String prefix;
  private final Path fallbackFile;
  private final Duration startupTimeout;

  private volatile ViewSnapshot state = ViewSnapshot.EMPTY;
  private volatile boolean stale;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final List<Registration> listeners = new CopyOnWriteArrayList<>();
  /** Derived state kept in step (LayeredConfig): called with each new snapshot, under the lock. */
  private final List<Consumer<ViewSnapshot>> derived = new CopyOnWriteArrayList<>();
  private final AtomicBoolean fallbackWritePending = new AtomicBoolean();
  /** The acks queued on the listener thread; each sends only if it is still the last. */
  private final AtomicLong acksQueued = new AtomicLong();

  // Guarded by this.
  private boolean listed;
  /** Volatile for the ack, which reads it on the listener thread without taking the lock. */
  private volatile Watch watch;
  /** A watch the server found drifted, closed once its replacement is open (so the socket stays). */
  private Watch replaced;
  /** Which listing's watch is current: a {@link Follower} of an earlier one is ignored. */
  private long generation;
  private boolean closed;

  private ConfigView(SsotClient client, String prefix, Path fallbackFile, Duration startupTimeout) {
    this.client = client;
    this.prefix = prefix;
    this.fallbackFile = fallbackFile;
    this.startupTimeout = startupTimeout;
  }

  /**
   * A view that holds {@code values} (JsonNodes, or objects Jackson converts) at revision 1, is
   * ready at once and never changes: for tests of code that reads a view, and for benchmarks.
   */
  public static ConfigView fixed(String prefix, Map<String, ?> values) {
    ConfigView view = new ConfigView(null, prefix, null, Duration.ZERO);
    HashMap<String, ViewEntry> entries = new HashMap<>();
    values.forEach((k, v) -> entries.put(k, new ViewEntry(Json.MAPPER.valueToTree(v), 1)));
    view.state = new ViewSnapshot(1, entries);
    view.listed = true;
    view.ready.countDown();
    return view;
  }

  // ---- reads: no I/O, no lock -----------------------------------------------------------------

  /** The key's value; null when absent. */
  public JsonNode get(String key) {
    ViewEntry e = state.entries.get(key);
    return e == null ? null : e.value;
  }

  /** The text at {@code jsonPointer} in the key's value ("" for the value itself), else {@code def}. */
  public String getString(String key, String jsonPointer, String def) {
    ViewEntry e = state.entries.get(key);
    return e == null ? def : TypedValues.string(TypedValues.at(e.value, jsonPointer), def);
  }

  public int getInt(String key, String jsonPointer, int def) {
    ViewEntry e = state.entries.get(key);
    return e == null ? def : TypedValues.integer(TypedValues.at(e.value, jsonPointer), def);
  }

  public long getLong(String key, String jsonPointer, long def) {
    ViewEntry e = state.entries.get(key);
    return e == null ? def : TypedValues.longValue(TypedValues.at(e.value, jsonPointer), def);
  }

  public boolean getBoolean(String key, String jsonPointer, boolean def) {
    ViewEntry e = state.entries.get(key);
    return e == null ? def : TypedValues.bool(TypedValues.at(e.value, jsonPointer), def);
  }

  /** Milliseconds as a number, or text such as {@code "5s"}, {@code "250ms"}, {@code "PT1M"}. */
  public Duration getDuration(String key, String jsonPointer, Duration def) {
    ViewEntry e = state.entries.get(key);
    return e == null ? def : TypedValues.duration(TypedValues.at(e.value, jsonPointer), def, e);
  }

  /**
   * The key's value bound to {@code type} by Jackson, once per revision of the key (later calls
   * get the same object: treat it as immutable); null when absent.
   */
  public <T> T as(String key, Class<T> type) {
    ViewEntry e = state.entries.get(key);
    if (e == null) {
      return null;
    }
    Object known = e.derived.get(type);
    if (known == null) {
      try {
        known = Json.MAPPER.treeToValue(e.value, type);
      } catch (IOException | IllegalArgumentException ex) {
        throw new IllegalArgumentException("the value of " + key + " is not a " + type.getName() + ": " + ex.getMessage(), ex);
      }
      e.derived.putIfAbsent(type, known);
    }
    return type.cast(known);
  }

  /** The revision the view has reached (0 before it is ready). */
  public long revision() {
    return state.revision;
  }

  /** The whole view at one revision. */
  public ViewSnapshot snapshot() {
    return state;
  }

  /** True while the view holds the fallback file's snapshot and has not reached a server. */
  public boolean stale() {
    return stale;
  }

  public String prefix() {
    return prefix;
  }

  /** Waits until the view holds a listing (or, failing that, its fallback file); false on timeout. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return ready.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  // ---- listeners ------------------------------------------------------------------------------

  /** Told of each revision changing {@code key}. */
  public Subscription onKey(String key, ChangeListener listener) {
    return register(new Registration(Objects.requireNonNull(key), false, listener));
  }

  /** Told of each revision changing keys under {@code keyPrefix} ("" for the whole view). */
  public Subscription onPrefix(String keyPrefix, ChangeListener listener) {
    return register(new Registration(Objects.requireNonNull(keyPrefix), true, listener));
  }

  private Subscription register(Registration r) {
    listeners.add(r);
    return () -> listeners.remove(r);
  }

  void onSnapshot(Consumer<ViewSnapshot> consumer) {
    synchronized (this) {
      derived.add(consumer);
      consumer.accept(state);
    }
  }

  @Override
  public void close() {
    Watch w;
    Watch r;
    synchronized (this) {
      closed = true;
      w = watch;
      watch = null;
      r = replaced;
      replaced = null;
    }
    if (w != null) {
      w.close();
    }
    if (r != null) {
      r.close();
    }
  }


  // ---- loading and following ------------------------------------------------------------------

  private void start() {
    client.blocking().execute(this::listAndWatch);
    if (fallbackFile != null) {
      client.timers().schedule(this::loadFallback, startupTimeout.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /** Lists the prefix (retrying until some endpoint answers), installs it, and watches from its revision. */
  private void listAndWatch() {
    Duration backoff = Transport.BACKOFF_MIN;
    while (true) {
      synchronized (this) {
        if (closed) {
          return;
        }
      }
      try {
        Listing listing = client.list(prefix);
        synchronized (this) {
          if (closed) {
            return;
          }
          install(listing);
          watch = client.watchPrefix(prefix, listing.revision() + 1, new Follower(++generation));
          if (replaced != null) {
            replaced.close();
            replaced = null;
          }
          scheduleAck();
        }
        ready.countDown();
        return;
      } catch (SsotException e) {
        LOG.log(Level.FINE, "listing " + prefix + " failed, retrying", e);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "listing " + prefix + " failed, retrying", e);
      }
      try {
        Thread.sleep(Transport.jitter(backoff).toMillis());
      } catch (InterruptedException e) {
        return; // the client is closing
      }
      backoff = Transport.BACKOFF_MAX;
    }
  }

  private synchronized void install(Listing listing) {
    HashMap<String, ViewEntry> entries = new HashMap<>();
    for (Entry e : listing.entries()) {
      entries.put(e.key(), new ViewEntry(e.value(), e.revision()));
    }
    ViewSnapshot old = state;
    ViewSnapshot next = new ViewSnapshot(listing.revision(), entries);
    List<Change.KeyChange> changes = new ArrayList<>();
    Set<String> keys = new HashSet<>(old.entries.keySet());
    keys.addAll(next.entries.keySet());
    for (String k : keys) {
      JsonNode before = old.get(k);
      JsonNode after = next.get(k);
      if (!Objects.equals(before, after)) {
        changes.add(new Change.KeyChange(k, before, after));
      }
    }
    listed = true;
    stale = false;
    publish(next, changes, true);
  }

  /** Called under the lock, in revision order. */
  private void publish(ViewSnapshot next, List<Change.KeyChange> changes, boolean resync) {
    state = next;
    for (Consumer<ViewSnapshot> d : derived) {
      d.accept(next);
    }
    if (changes.isEmpty()) {
      return;
    }
    for (Registration r : listeners) {
      List<Change.KeyChange> mine = new ArrayList<>();
      for (Change.KeyChange c : changes) {
        if (r.matches(c.key())) {
          mine.add(c);
        }
      }
      if (!mine.isEmpty()) {
        Change change = new Change(next.revision, List.copyOf(mine), resync);
        client.notifier().execute(() -> {
          if (listeners.contains(r)) {
            try {
              r.listener.onChange(change);
            } catch (RuntimeException e) {
              LOG.log(Level.WARNING, "a view listener failed", e);
            }
          }
        });
      }
    }
    if (!stale) {
      scheduleFallbackWrite();
      scheduleAck();
    }
  }

  /**
   * Queues, on the listener thread and so after the listeners of every revision published so
   * far, the ack of the view's revision and digest to the server (GET /v1/clients). Of several
   * queued, only the last sends: it acks the latest snapshot, whose listeners have run by then.
   */
  private void scheduleAck() {
    if (client == null) {
      return;
    }
    long mine = acksQueued.incrementAndGet();
    ViewSnapshot applied = state;
    client.notifier().execute(() -> {
      if (acksQueued.get() != mine) {
        return; // a later ack is queued behind this one
      }
      Watch w = stale ? null : watch;
      if (w != null) {
        client.watchConnection().ack(w, applied.revision, applied.digest());
      }
    });
  }

  /**
   * For tests of drift detection only: makes the view hold {@code value} for {@code key} as if it
   * had missed the key's last change (the entry keeps an earlier revision), without telling the
   * listeners, and acks that state, so that the server finds the view drifted.
   */
  void corruptEntryForDriftTest(String key, JsonNode value) {
    synchronized (this) {
      ViewEntry cur = state.entries.get(key);
      HashMap<String, ViewEntry> entries = new HashMap<>(state.entries);
      entries.put(key, new ViewEntry(value, cur == null ? 1 : cur.revision)); // same revision, other value
      state = new ViewSnapshot(state.revision, entries);
    }
    scheduleAck();
  }

  private void scheduleFallbackWrite() {
    if (fallbackFile == null || !fallbackWritePending.compareAndSet(false, true)) {
      return;
    }
    client.timers().schedule(() -> client.blocking().execute(() -> {
      fallbackWritePending.set(false);
      ViewSnapshot s = state;
      try {
        FallbackFile.write(fallbackFile, prefix, s);
      } catch (IOException | RuntimeException e) {
        LOG.log(Level.WARNING, "could not write the fallback file " + fallbackFile, e);
      }
    }), FALLBACK_WRITE_DELAY_MS, TimeUnit.MILLISECONDS);
  }

  private void loadFallback() {
    synchronized (this) {
      if (listed || closed) {
        return;
      }
      ViewSnapshot s = FallbackFile.read(fallbackFile, prefix);
      if (s == null) {
        LOG.warning("no server answered within " + startupTimeout + " and " + fallbackFile + " holds no snapshot of "
            + prefix + ": still waiting for a server");
        return;
      }
      LOG.warning("no server answered within " + startupTimeout + ": serving " + prefix + " from " + fallbackFile
          + " at revision " + s.revision + " (stale) until one does");
      stale = true;
      publish(s, List.of(), true);
    }
    ready.countDown();
  }

  /** The watch's changes, applied on the client's watch thread. */
  private final class Follower implements WatchListener {

    private final long generation;

    Follower(long generation) {
      this.generation = generation;
    }

    /** Whether this is the current listing's watch (called under the lock). */
    private boolean current() {
      return !closed && generation == ConfigView.this.generation && watch != null;
    }

    @Override
    public void onEvents(long revision, List<WatchEvent> events) {
      synchronized (ConfigView.this) {
        if (!current()) {
          return;
        }
        ViewSnapshot old = state;
        HashMap<String, ViewEntry> entries = new HashMap<>(old.entries);
        List<Change.KeyChange> changes = new ArrayList<>(events.size());
        for (WatchEvent e : events) {
          ViewEntry cur = entries.get(e.key());
          if (cur != null && cur.revision >= e.revision()) {
            continue; // a page of the listing read after this change already had it
          }
          if (e.deleted()) {
            if (cur != null) {
              entries.remove(e.key());
              changes.add(new Change.KeyChange(e.key(), cur.value, null));
            }
          } else {
            entries.put(e.key(), new ViewEntry(e.value(), e.revision()));
            changes.add(new Change.KeyChange(e.key(), cur == null ? null : cur.value, e.value()));
          }
        }
        publish(new ViewSnapshot(Math.max(revision, old.revision), entries), changes, false);
      }
    }

    @Override
    public void onProgress(long revision) {
      synchronized (ConfigView.this) {
        ViewSnapshot old = state;
        if (current() && revision > old.revision) {
          state = old.at(revision);
          scheduleAck();
        }
      }
    }

    /** The server found this view's content other than the store's: list again, watch anew. */
    @Override
    public void onDrifted(long revision) {
      synchronized (ConfigView.this) {
        if (!current()) {
          return;
        }
        LOG.warning("the server found the view of " + prefix + " at revision " + revision
            + " other than the store: listing it again");
        // Closed once the new watch is open: closing the only watch first would close the socket.
        replaced = watch;
        watch = null;
      }
      client.blocking().execute(ConfigView.this::listAndWatch);
    }

    @Override
    public void onCompacted(long compactRevision) {
      LOG.info("the watch of " + prefix + " was compacted (at " + compactRevision + "): listing it again");
      synchronized (ConfigView.this) {
        watch = null;
      }
      client.blocking().execute(ConfigView.this::listAndWatch);
    }

    @Override
    public void onError(SsotException error) {
      LOG.warning("the watch of " + prefix + " ended: " + error.getMessage() + "; listing again in a second");
      synchronized (ConfigView.this) {
        watch = null;
      }
      client.timers().schedule(() -> client.blocking().execute(ConfigView.this::listAndWatch), 1, TimeUnit.SECONDS);
    }
  }

  private record Registration(String path, boolean prefix, ChangeListener listener) {
    boolean matches(String key) {
      return prefix ? key.startsWith(path) : key.equals(path);
    }
  }

  /** A view's options; {@link #start()} starts it (returning at once: see {@link ConfigView#awaitReady}). */
  public static final class Builder {
    private final SsotClient client;
    private final String prefix;
    private Path fallbackFile;
    private Duration startupTimeout;

    Builder(SsotClient client, String prefix, Duration startupTimeout) {
      this.client = client;
      this.prefix = Objects.requireNonNull(prefix);
      this.startupTimeout = startupTimeout;
    }

    /** Keep the last snapshot in this file, and load it when no server answers within the start-up timeout. */
    public Builder fallbackFile(Path file) {
      this.fallbackFile = file;
      return this;
    }

    public Builder startupTimeout(Duration d) {
      this.startupTimeout = d;
      return this;
    }

    public ConfigView start() {
      ConfigView view = new ConfigView(client, prefix, fallbackFile, startupTimeout);
      view.start();
      return view;
    }
  }
}
