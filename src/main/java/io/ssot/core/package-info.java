/**
 * The one door for writes and what a write needs beyond the local store. {@link
 * io.ssot.core.Writes} admits (schemas, encryption at rest, durability), commits and makes
 * durable every write, whoever asks (routes, the token API, start-up). The interfaces it works
 * against: whether this node commits writes at all ({@link io.ssot.core.WriteGate}: always
 * embedded, only the leader in a cluster; where forwarding to the leader will plug in), how
 * writes become durable and whether new ones are admitted ({@link io.ssot.core.Durability}, with
 * the embedded {@link io.ssot.core.LocalDurability}), and history older than the local change
 * log ({@link io.ssot.core.ArchivedHistory}); {@code persist} implements durability and history
 * for PostgreSQL, {@code cluster} the gate. Refusals are domain exceptions ({@link
 * io.ssot.core.NotDurable}, {@link io.ssot.core.NotLeader}, {@code StoreException}, {@code
 * SchemaViolation}), turned into HTTP answers by {@code api}.
 *
 * <p>Layer: above {@code security}. May import {@code store}, {@code schema}, {@code security},
 * {@code config} and the pure checks of {@code http} ({@code JsonValues}); never {@code api},
 * {@code watch}, {@code persist}, {@code cluster} or anything above.
 *
 * <p>Threads: called on event loops; never blocks one (a large schema check runs on a worker
 * thread, durability waits are futures).
 */
package io.ssot.core;
