/**
 * The one door for writes and what a write needs beyond the local store. {@link
 * io.ssot.core.Writes} admits (schemas, encryption at rest, durability), commits and makes
 * durable every write, whoever asks (routes, the token API, start-up); it is where a write will
 * be forwarded to another node. The interfaces it works against: how writes become durable and
 * whether new ones are admitted ({@link io.ssot.core.Durability}, with the embedded {@link
 * io.ssot.core.LocalDurability}), and history older than the local change log ({@link
 * io.ssot.core.ArchivedHistory}); {@code persist} implements them for PostgreSQL. Refusals are
 * domain exceptions ({@link io.ssot.core.NotDurable}, {@code StoreException}, {@code
 * SchemaViolation}), turned into HTTP answers by {@code api}.
 *
 * <p>Layer: above {@code security}. May import {@code store}, {@code schema}, {@code security},
 * {@code config} and the pure checks of {@code http} ({@code JsonValues}); never {@code api},
 * {@code watch}, {@code persist} or anything above.
 *
 * <p>Threads: called on event loops; never blocks one (a large schema check runs on a worker
 * thread, durability waits are futures).
 */
package io.ssot.core;
