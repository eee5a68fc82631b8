/**
 * The assembled server: {@link io.ssot.Main} reads the configuration and starts
 * {@link io.ssot.SsotServer}, which wires the packages below together and owns the start and
 * stop order (PostgreSQL and the data directory, then the watch hub, then one HTTP server per
 * event loop; the reverse on stop).
 *
 * <p>Layer: the top. It may import every package; no package imports it.
 *
 * <p>Threads: start-up and {@code stop()} run on the caller's thread and block until done;
 * requests are served by {@link io.ssot.HttpVerticle}s, one per event loop.
 */
package io.ssot;
