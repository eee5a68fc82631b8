/**
 * PostgreSQL: schema migrations, the write-behind that drains the change log into it, the
 * durability it gives ({@code core.Durability}), archived history ({@code core.ArchivedHistory}),
 * bootstrapping an empty data directory from it and the check that both histories agree,
 * the periodic drift check of the current state against {@code ssot_current} ({@code PgDrift}),
 * and writing a restored snapshot's state into an empty database ({@code PgSeed}).
 *
 * <p>Layer: an adapter below {@code io.ssot} and {@code ops}. May import {@code config},
 * {@code core}, {@code store}, {@code snapshot} and {@code security} (the audit log); never {@code http} or {@code api}: it throws domain exceptions
 * ({@code StoreException.Unavailable}), which the API maps to HTTP.
 *
 * <p>Threads: migrations, bootstrap and the continuity check are blocking JDBC at start-up,
 * before anything is served; the drift check and seeding are blocking JDBC on worker threads; at run time the write-behind is confined to one event-loop context
 * and history reads are asynchronous.
 */
package io.ssot.persist;
