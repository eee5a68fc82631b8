/**
 * Watches: the hub that advances every watch through the change log in revision order (replay
 * and live delivery are one path), long-polls, and the WebSocket and SSE transports with their
 * per-connection output bounds and the server-wide watch output budget; and the watch
 * WebSockets' clients as {@code GET /v1/clients} lists them: their names, acked revisions and
 * drift checks ({@link io.ssot.watch.ConnectedClients}).
 *
 * <p>Layer: above {@code security}. May import {@code http}, {@code limit}, {@code security} and
 * {@code store}; never {@code api}, {@code ops} or {@code persist}.
 *
 * <p>Threads: the {@link io.ssot.watch.WatchHub} is shared; each watch, its sink and its
 * connection's output belong to the event loop of its connection, whose pump advances them. A
 * commit, on the writer's thread, only schedules the pumps.
 */
package io.ssot.watch;
