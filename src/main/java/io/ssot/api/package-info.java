/**
 * The {@code /v1} key-value API: the router, its path guard and failure handler, and the routes
 * for keys, listings, history, transactions, rollback, schemas and tokens. Routes parse the
 * request, check access, call the store through {@link io.ssot.api.Api} and render the answer.
 * In cluster mode, {@code /v1/cluster} and the forwarding of a follower's writes to the leader
 * ({@link io.ssot.api.WriteForwarding}) are here too. So is the Spring Cloud Config Server
 * protocol under {@code /config} ({@link io.ssot.api.SpringConfigRoutes}): a read-only view of
 * the keys under {@code config/}.
 *
 * <p>Layer: below {@code io.ssot} only. May import {@code cluster}, {@code config}, {@code core}, {@code http},
 * {@code schema}, {@code security}, {@code store} and {@code watch}; never {@code persist} or
 * {@code ops} (PostgreSQL is reached through {@code core}'s interfaces).
 *
 * <p>Threads: handlers run on the event loop of their connection and never block it. A write
 * takes the store's short commit lock; waiting for durability is a future; large schema
 * validations run on a worker thread.
 */
package io.ssot.api;
