/**
 * PostgreSQL: schema migrations, the write-behind that drains the change log into it, the
 * durability it gives ({@code core.Durability}), archived history ({@code core.ArchivedHistory}),
 * bootstrapping an empty data directory from it and the check that both histories agree.
 *
 * <p>Layer: an adapter below {@code io.ssot} and {@code ops}. May import {@code config},
 * {@code core} and {@code store}; never {@code http} or {@code api}: it throws domain exceptions
 * ({@code StoreException.Unavailable}), which the API maps to HTTP.
 *
 * <p>Threads: migrations, bootstrap and the continuity check are blocking JDBC at start-up,
 * before anything is served; at run time the write-behind is confined to one event-loop context
 * and history reads are asynchronous.
 */
package io.ssot.persist;
