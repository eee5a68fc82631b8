/**
 * Cluster mode (SPEC section 9): several nodes on one PostgreSQL database, which decides, and
 * optionally one Redis, which carries. The leader is the node holding a session-level advisory
 * lock ({@link io.ssot.cluster.Leadership}); each takeover increments a term there that fences
 * the write-behind; followers apply what PostgreSQL holds beyond their store ({@link
 * io.ssot.cluster.PgFollower}). {@link io.ssot.cluster.ClusterNode} ties them together and is the
 * {@code core.WriteGate} of a node. The Redis Stream from the leader to the followers ({@link
 * io.ssot.cluster.StreamPublisher}, {@link io.ssot.cluster.StreamFollower}) and the revisions an
 * old leader comes back with that PostgreSQL never got ({@link io.ssot.cluster.Orphans}) are here
 * too.
 *
 * <p>Layer: above {@code persist}, below {@code watch}, {@code api} and the wiring. May import
 * {@code persist}, {@code core}, {@code store}, {@code config} and {@code protocol}; never
 * {@code http} or {@code api}.
 *
 * <p>Threads: the lock connection, the stream's publisher and follower are each confined to one
 * event-loop context and never block; reading PostgreSQL's history and the membership table is
 * blocking JDBC on a worker thread of its own; the orphan check is blocking JDBC and file writes at
 * start-up.
 */
package io.ssot.cluster;
