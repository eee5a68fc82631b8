/**
 * Cluster mode (SPEC §9): several nodes on one PostgreSQL, which decides, and optionally one
 * Redis, which carries. Here: the Redis Stream from the leader to the followers
 * ({@link io.ssot.cluster.StreamPublisher}, {@link io.ssot.cluster.StreamFollower}) and the
 * revisions an old leader comes back with that PostgreSQL never got
 * ({@link io.ssot.cluster.Orphans}).
 *
 * <p>Layer: above {@code persist} (it reads PostgreSQL's history and follows the write-behind),
 * below {@code watch}, {@code api} and the wiring. May import {@code config}, {@code store},
 * {@code core} and {@code persist}; never {@code http} or {@code api}.
 *
 * <p>Threads: the stream's publisher and follower are each confined to one event-loop context
 * and never block; the orphan check is blocking JDBC and file writes at start-up.
 */
package io.ssot.cluster;
