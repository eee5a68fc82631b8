package io.ssot.watch;

import io.ssot.security.Audit;
import io.ssot.store.MvccStore;
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

  ConnectedClients(Vertx vertx, MvccStore store) {
    this.store = store;
    this.check = new DriftCheck(vertx, store);
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
    ConnectedClient.Ack acked = digest == null ? null : client.startCheck(slot, watchId);
    if (acked == null) {
      return true;
    }
    check.digest(filter, key, revision).onComplete(ar -> {
      String server = ar.succeeded() ? ar.result() : null;
      Boolean matches = server == null ? null : server.equals(acked.digest);
      if (client.checked(slot, acked, matches)) {
        drifted.incrementAndGet();
        Audit.record("client-drifted", client.principal, client.tokenId, "GET", "/v1/watch", client.address,
            "watch " + watchId + " of " + (key ? "key" : "prefix") + " '" + filter + "' at revision " + revision
                + ": the client's digest " + acked.digest + " is not the server's " + server
                + " (clientId " + client.clientId + ", application " + client.application + ", instance "
                + client.instance + ")");
      }
      if (Boolean.FALSE.equals(matches)) {
        notice.drifted(watchId, revision, server);
      }
    });
    return true;
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
