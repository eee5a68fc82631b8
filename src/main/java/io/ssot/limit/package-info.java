/**
 * Admission control in front of the API: the connection limit, idle connections, and the
 * per-client rate limits (separate read and write token buckets per client identity, in a bounded
 * map). Also the SHA-256 holder ({@link io.ssot.limit.Sha256}) shared with {@code security}.
 *
 * <p>Layer: above {@code http}. May import {@code config} and {@code http}; never
 * {@code security} (a client identity is its hashed credentials, not an authenticated principal)
 * nor anything above.
 *
 * <p>Threads: checks run on the event loop of the connection; the limiter and the connection
 * count are shared by every event loop and safe from any thread.
 */
package io.ssot.limit;
