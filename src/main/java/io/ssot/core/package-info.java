/**
 * What a write needs beyond the local store, as interfaces the API works against: how writes
 * become durable and whether new ones are admitted ({@link io.ssot.core.Durability}, with the
 * embedded {@link io.ssot.core.LocalDurability}), whether this node commits writes at all
 * ({@link io.ssot.core.WriteGate}: always embedded, only the leader in a cluster), and history
 * older than the local change log ({@link io.ssot.core.ArchivedHistory}). {@code persist}
 * implements them for PostgreSQL, {@code cluster} the gate.
 *
 * <p>Layer: just above {@code store}. May import {@code store}; never {@code http} or anything
 * that knows about requests, nor the packages that implement it.
 *
 * <p>Threads: called from event loops; implementations answer with futures and never block.
 */
package io.ssot.core;
