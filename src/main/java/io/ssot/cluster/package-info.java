/**
 * Cluster mode (SPEC section 9): several nodes on one PostgreSQL database. PostgreSQL decides:
 * the leader is the node holding a session-level advisory lock ({@link io.ssot.cluster.Leadership}),
 * each takeover increments a term there that fences the write-behind, and followers apply what
 * PostgreSQL holds beyond their store ({@link io.ssot.cluster.PgFollower}). {@link
 * io.ssot.cluster.ClusterNode} ties them together and is the {@code core.WriteGate} of a node.
 *
 * <p>Layer: above {@code persist}. May import {@code persist}, {@code core}, {@code store},
 * {@code config} and {@code protocol}; {@code api}, {@code ops} and the wiring use it.
 *
 * <p>Threads: the lock connection is asynchronous, confined to one event-loop context; reading
 * PostgreSQL's history and the membership table is blocking JDBC on one worker thread of its own.
 */
package io.ssot.cluster;
