package io.ssot.core;

/**
 * Whether this node commits writes at all, asked by {@link Writes} before each one. Embedded, the
 * gate is always open; in cluster mode only the leader's is. This is the one place that refuses
 * a write; a follower forwards the requests it can to the leader before they reach it
 * ({@code api.WriteForwarding}), since forwarding needs the HTTP request, not the parsed write.
 */
public interface WriteGate {

  /** The gate of a server that runs alone: every write is committed here. */
  WriteGate OPEN = () -> { };

  /** @throws NotLeader when this node does not commit writes now */
  void admit();
}
