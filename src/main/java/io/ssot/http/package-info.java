/**
 * The HTTP toolkit the routes are built from: problems ({@link io.ssot.http.ApiException},
 * {@link io.ssot.http.Problems}), the JSON writer and value checks, query parameters, ETags,
 * request bodies within their limits and the server-wide body budget, the rendering of entries,
 * the request limits and the HTTP servers' options.
 *
 * <p>Layer: below every package that serves requests. May import {@code config} and
 * {@code store}; never {@code api}, {@code security}, {@code watch} or anything above.
 *
 * <p>Threads: stateless helpers used on event loops; {@link io.ssot.http.BodyBudget} is shared
 * by every event loop and lock-free.
 */
package io.ssot.http;
