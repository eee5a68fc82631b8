/**
 * Authentication and authorisation.
 *
 * <p>{@link io.ssot.security.AuthHandler} runs before every route: it lets {@code /health/live}
 * (and, when configured, {@code /health/ready} and {@code /metrics}) through, authenticates
 * everything else by bearer token (or the web console's session cookie, see
 * {@link io.ssot.security.ConsoleSessions}, with its CSRF and Origin checks; or, with mutual TLS,
 * client certificate), throttles client
 * addresses that keep failing, and requires admin for whole endpoints listed in its path table.
 * Handlers then check the role they need on the keys or prefix they touch through
 * {@link io.ssot.security.Access}; a listing or prefix watch needs a grant covering the whole
 * requested prefix, never a filtered answer.
 *
 * <p>Tokens ({@code ssot_<id>_<secret>}) are records in the store's reserved space, holding the
 * SHA-256 of the secret; {@link io.ssot.security.TokenRegistry} reads them from the store,
 * caches them decoded and refreshes one whenever a commit touches it, so a revocation is
 * effective at once and ends the token's watches and long-polls. Token changes and denied
 * requests are written to the {@code ssot.audit} log; writes carry their principal in history.
 *
 * <p>Also here: encryption at rest of values under configured prefixes
 * ({@link io.ssot.security.ValueCipher}) and the servers' TLS ({@link io.ssot.security.TlsOptions}).
 *
 * <p>Layer: above {@code limit}. May import {@code config}, {@code http}, {@code limit} and
 * {@code store}; never {@code api}, {@code watch}, {@code persist} or anything above.
 *
 * <p>Threads: the auth handler runs on the event loop of the request; a
 * {@link io.ssot.security.FastReadAuth} belongs to one event loop; the token registry and the
 * cipher and the console sessions are shared and safe from any thread (a token's cache entry is refreshed from commit
 * observers on the writer's thread).
 */
package io.ssot.security;
