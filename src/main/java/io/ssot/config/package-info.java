/**
 * Configuration: every setting in one table ({@link io.ssot.config.Settings}), its parsing
 * ({@link io.ssot.config.Parsers}), the resolved values from environment, file and defaults
 * ({@link io.ssot.config.Config}), the rules between settings
 * ({@link io.ssot.config.Consistency}) and start-up failures worth a clear message.
 *
 * <p>Layer: the bottom. Imports no other {@code io.ssot} package; any package may import it.
 *
 * <p>Threads: a {@code Config} is immutable once loaded and safe to share.
 */
package io.ssot.config;
