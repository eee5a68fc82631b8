/**
 * Operating the server: {@code /health/live}, {@code /health/ready} and {@code /metrics}, the
 * Prometheus registry and its gauges, the periodic compaction of the change log and the
 * scheduled backups ({@code backup.*}).
 *
 * <p>Layer: beside {@code api}, below {@code io.ssot}. May import {@code config}, {@code http},
 * {@code persist}, {@code snapshot}, {@code store} and {@code watch}; never {@code api}.
 *
 * <p>Threads: routes run on event loops and only read state; compaction and backups run on
 * worker threads; gauges are read on the scraping request's thread and must be safe from any thread.
 */
package io.ssot.ops;
