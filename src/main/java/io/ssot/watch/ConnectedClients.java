package io.ssot.watch;

import io.ssot.security.Audit;
import io.ssot.security.ValueCipher;
import io.ssot.store.MvccStore;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Every watch WebSocket open on this node, as {@code GET /v1/clients} and the
 * {@code ssot_clients_*} metrics show them: keyed by a number the server gives each connection
 * (never by what a client sends), so the map holds one fixed-size {@link ConnectedClient} per
 * open connection and no more.
 */
public final class ConnectedClients {

  /** The buckets of {@code ssot_clients_behind}: clients at most this many revisions behind. */
  public static final long[] BEHIND_BUCKETS = {0, 1, 10, 100, 1000, Long.MAX_VALUE};

  /** Where a drifted watch is told so: its connection. */
  interface DriftNotice {
    void drifted(String watchId, long revision, String serverDigest);
  }

  private final MvccStore store;
  private final DriftCheck check;
  private final Map<Long, ConnectedClient> open = new ConcurrentHashMap<>();
  private final AtomicLong connections = new AtomicLong();
  private final AtomicLong drifted = new AtomicLong();

  ConnectedClients(Vertx vertx, MvccStore store, ValueCipher cipher) {
    this.store = store;
    this.check = new DriftCheck(vertx, store, cipher);
  }

  ConnectedClient add(String clientId, String application, String instance, String address, String principal,
                      String tokenId) {
    ConnectedClient c = new ConnectedClient(connections.incrementAndGet(), clientId, application, instance, address,
        principal, tokenId, System.currentTimeMillis());
    open.put(c.connection, c);
    return c;
  }

  void remove(ConnectedClient c) {
    open.remove(c.connection);
  }

  Collection<ConnectedClient> all() {
    return open.values();
  }

  MvccStore store() {
    return store;
  }

  /**
   * Records a watch's ack and, when it carries a digest, compares it with the server's (on a
   * worker; see {@link DriftCheck}). A difference marks the watch drifted, counts and audits the
   * turn to drifted, and tells the client through {@code notice} (on the caller's event loop).
   *
   * @return false when the connection already holds as many acked watches as it may
   */
  boolean ack(ConnectedClient client, String watchId, String filter, boolean key, long revision, String digest,
              DriftNotice notice) {
    ConnectedClient.Ack slot = client.ack(watchId, filter, key, revision, digest, System.currentTimeMillis());
    if (slot == null) {
      return false;
    }
    queueCheck(client, slot, watchId, Vertx.currentContext(), notice);
    return true;
  }

  /** Queues a comparison of the watch's latest ack unless one is queued; the answer comes back on {@code home}. */
  private void queueCheck(ConnectedClient client, ConnectedClient.Ack slot, String watchId, Context home,
                          DriftNotice notice) {
    if (!client.queueCheck(slot, watchId)) {
      return;
    }
    check.submit(new DriftCheck.Job() {
      @Override
      public ConnectedClient.Ack latest() {
        return client.latest(slot, watchId);
      }

      @Override
      public void done(ConnectedClient.Ack acked, String server) {
        home.runOnContext(v -> checked(client, slot, acked, server, home, notice));
      }
    });
  }

  private void checked(ConnectedClient client, ConnectedClient.Ack slot, ConnectedClient.Ack acked, String server,
                       Context home, DriftNotice notice) {
    Boolean matches = server == null ? null : server.equals(acked.digest);
    if (client.checked(slot, acked, matches)) {
      drifted.incrementAndGet();
      Audit.record("client-drifted", client.principal, client.tokenId, "GET", "/v1/watch", client.address,
          "watch " + acked.watchId + " of " + (acked.key ? "key" : "prefix") + " '" + acked.filter + "' at revision "
              + acked.revision + ": the client's digest " + acked.digest + " is not the server's " + server
              + " (clientId " + client.clientId + ", application " + client.application + ", instance "
              + client.instance + ")");
    }
    if (Boolean.FALSE.equals(matches)) {
      notice.drifted(acked.watchId, acked.revision, server);
    }
    // An ack that arrived during the check is compared next (the slot stays one queue entry).
    queueCheck(client, slot, acked.watchId, home, notice);
  }

  /** Open watch connections. */
  public int connected() {
    return open.size();
  }

  /** Times a watch turned drifted since start. */
  public long driftedTotal() {
    return drifted.get();
  }

  /** Connections that have acked and are at most {@code revisions} behind the store. */
  public long behindAtMost(long revisions) {
    long current = store.revision();
    long n = 0;
    for (ConnectedClient c : open.values()) {
      long applied = c.appliedRevision();
      if (applied >= 0 && Math.max(0, current - applied) <= revisions) {
        n++;
      }
    }
    return n;
  }
}
