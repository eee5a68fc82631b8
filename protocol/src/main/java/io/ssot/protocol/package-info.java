/**
 * The wire protocol as data, shared by the server and its clients: every problem and watch error
 * code ({@link io.ssot.protocol.Problem}), the protocol's header names and entity tags, the watch
 * messages ({@link io.ssot.protocol.WatchMessage}, {@link io.ssot.protocol.WatchRequest},
 * {@link io.ssot.protocol.Event}) and their one encoding ({@link io.ssot.protocol.WatchEncoder}).
 *
 * <p>Imports nothing but {@code java.base}: no server library (Vert.x, Netty, Chronicle, Jackson)
 * may come in, so that a client can depend on it alone. Stateless: everything here may be used
 * from any thread, except a {@link io.ssot.protocol.JsonBytes}, which belongs to its one writer.
 */
package io.ssot.protocol;
