/**
 * The HTTP toolkit the routes are built from: problems ({@link io.ssot.http.ApiException},
 * {@link io.ssot.http.Problems}), the JSON writer and value checks, query parameters, ETags,
 * request bodies within their limits and the server-wide body budget, the rendering of entries,
 * the request limits and the HTTP servers' options; and what every request carries: its id
 * ({@link io.ssot.http.RequestIds}, copied into each log line's MDC by
 * {@link io.ssot.http.RequestIdMdc}), the compression of large answers
 * ({@link io.ssot.http.Compression}) and, when configured, its trace span
 * ({@link io.ssot.http.Tracing}, also used for write-behind batches and forwarded writes).
 *
 * <p>Layer: below every package that serves requests. May import {@code config} and
 * {@code store}; never {@code api}, {@code security}, {@code watch} or anything above.
 *
 * <p>Threads: stateless helpers used on event loops; {@link io.ssot.http.BodyBudget} is shared
 * by every event loop and lock-free.
 */
package io.ssot.http;
