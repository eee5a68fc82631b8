package io.ssot.watch;

import io.ssot.protocol.ClientName;
import java.util.ArrayList;
import java.util.List;

/**
 * One watch WebSocket as {@code GET /v1/clients} shows it: the names the client gave, who it
 * authenticated as, and the last ack of each of at most {@link ClientName#MAX_ACKED_WATCHES}
 * watches. Its size is fixed: an ack overwrites its watch's slot, a cancelled watch frees it.
 * Written on the connection's event loop, read by the listing: every access is synchronized.
 */
final class ConnectedClient {

  /** The drift state of one watch's view. */
  enum Drift {
    /** No digest compared yet (no ack, no digest, or none comparable: see {@link DriftCheck}). */
    UNCHECKED("unchecked"),
    /** The last digest compared was the server's. */
    CURRENT("current"),
    /** The last digest compared differed from the server's. */
    DRIFTED("drifted");

    final String label;

    Drift(String label) {
      this.label = label;
    }
  }

  /** One watch's last ack. */
  static final class Ack {
    String watchId;
    /** The watched prefix, or key when {@link #key} is set. */
    String filter;
    boolean key;
    long revision;
    String digest;
    long ackedAt;
    Drift drift = Drift.UNCHECKED;
    /** A check of this slot is queued or running: it will take the latest ack when it starts. */
    boolean checking;
    /** The last ack compared (or found not comparable): not queued again. */
    long comparedRevision = -1;
    String comparedDigest;

    Ack copy() {
      Ack c = new Ack();
      c.watchId = watchId;
      c.filter = filter;
      c.key = key;
      c.revision = revision;
      c.digest = digest;
      c.ackedAt = ackedAt;
      c.drift = drift;
      return c;
    }
  }

  final long connection;
  final String clientId;
  final String application;
  final String instance;
  final String address;
  final String principal;
  final String tokenId;
  final long connectedAt;
  private final Ack[] acks = new Ack[ClientName.MAX_ACKED_WATCHES];
  /** Times a watch of this connection turned drifted, and when last (epoch ms; 0: never). */
  private long drifts;
  private long lastDriftAt;

  ConnectedClient(long connection, String clientId, String application, String instance, String address,
                  String principal, String tokenId, long connectedAt) {
    this.connection = connection;
    this.clientId = clientId;
    this.application = application;
    this.instance = instance;
    this.address = address;
    this.principal = principal;
    this.tokenId = tokenId;
    this.connectedAt = connectedAt;
  }

  /**
   * Records the ack of a watch in its slot (taking a free one for a watch not yet acked).
   *
   * @return the slot, or null when every slot holds another watch
   */
  synchronized Ack ack(String watchId, String filter, boolean key, long revision, String digest, long now) {
    Ack free = null;
    Ack slot = null;
    for (int i = 0; i < acks.length; i++) {
      if (acks[i] == null) {
        if (free == null) {
          free = acks[i] = new Ack();
        }
      } else if (acks[i].watchId == null) {
        free = free == null ? acks[i] : free;
      } else if (acks[i].watchId.equals(watchId)) {
        slot = acks[i];
        break;
      }
    }
    if (slot == null) {
      if (free == null) {
        return null;
      }
      slot = free;
      slot.watchId = watchId;
      slot.filter = filter;
      slot.key = key;
      slot.drift = Drift.UNCHECKED;
      slot.checking = false;
      slot.comparedRevision = -1;
      slot.comparedDigest = null;
    }
    slot.revision = revision;
    slot.digest = digest;
    slot.ackedAt = now;
    return slot;
  }

  /** Whether a check of the slot's watch is to be queued: it has a digest and none is queued or running. */
  synchronized boolean queueCheck(Ack slot, String watchId) {
    if (slot.checking || !watchId.equals(slot.watchId) || slot.digest == null
        || slot.revision == slot.comparedRevision && slot.digest.equals(slot.comparedDigest)) {
      return false;
    }
    slot.checking = true;
    return true;
  }

  /** The ack a queued check compares as it starts: the watch's latest; null when the watch has ended. */
  synchronized Ack latest(Ack slot, String watchId) {
    if (!watchId.equals(slot.watchId)) {
      return null; // the watch ended (its slot may hold another watch now, whose flag this is not)
    }
    return slot.copy();
  }

  /**
   * The result of a check of {@code checked}: the slot's drift state, if it still holds that
   * watch. {@code matches} null: not comparable.
   *
   * @return true when the slot turned drifted by this check
   */
  synchronized boolean checked(Ack slot, Ack checked, Boolean matches) {
    if (!checked.watchId.equals(slot.watchId)) {
      return false;
    }
    slot.checking = false;
    slot.comparedRevision = checked.revision;
    slot.comparedDigest = checked.digest;
    if (matches == null || slot.revision != checked.revision || !checked.digest.equals(slot.digest)) {
      // A later ack arrived meanwhile: the state stays as it was until that one is compared.
      return false;
    }
    Drift was = slot.drift;
    slot.drift = matches ? Drift.CURRENT : Drift.DRIFTED;
    if (slot.drift == Drift.DRIFTED && was != Drift.DRIFTED) {
      drifts++;
      lastDriftAt = System.currentTimeMillis();
      return true;
    }
    return false;
  }

  synchronized long drifts() {
    return drifts;
  }

  synchronized long lastDriftAt() {
    return lastDriftAt;
  }

  /** The watch has ended: its slot is free again. */
  synchronized void forget(String watchId) {
    for (Ack a : acks) {
      if (a != null && watchId.equals(a.watchId)) {
        a.watchId = null;
        a.filter = null;
        a.digest = null;
        a.drift = Drift.UNCHECKED;
        a.checking = false;
        a.comparedRevision = -1;
        a.comparedDigest = null;
        return;
      }
    }
  }

  /** Copies of the acks of open watches. */
  synchronized List<Ack> acks() {
    List<Ack> out = new ArrayList<>(2);
    for (Ack a : acks) {
      if (a != null && a.watchId != null) {
        out.add(a.copy());
      }
    }
    return out;
  }

  /** The lowest revision acked over the connection's watches; -1 before any ack. */
  synchronized long appliedRevision() {
    long min = -1;
    for (Ack a : acks) {
      if (a != null && a.watchId != null && (min < 0 || a.revision < min)) {
        min = a.revision;
      }
    }
    return min;
  }
}
