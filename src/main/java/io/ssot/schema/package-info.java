/**
 * JSON Schema validation of values by key prefix: the schemas in force, kept current from the
 * commits that touch them ({@link io.ssot.schema.PrefixSchemas}), their compilation and
 * validation within an evaluation budget ({@link io.ssot.schema.JsonSchemas}), and the
 * violations reported.
 *
 * <p>Layer: above {@code store}. May import {@code store}; never {@code http} or anything that
 * knows about requests (a violation is a domain exception the API renders).
 *
 * <p>Threads: the registry is read from any event loop without a lock and refreshed, under its
 * own lock, from commit observers on the writer's thread.
 */
package io.ssot.schema;
