package io.ssot.core;

/**
 * Whether this node commits writes at all, asked by {@link Writes} before each one. Embedded, the
 * gate is always open; in cluster mode only the leader's is. A later gate may forward a write to
 * the leader instead of refusing it: this is the one place that decides.
 */
public interface WriteGate {

  /** The gate of a server that runs alone: every write is committed here. */
  WriteGate OPEN = () -> { };

  /** @throws NotLeader when this node does not commit writes now */
  void admit();
}
