/**
 * Authentication and authorisation.
 *
 * <p>{@link io.ssot.security.AuthHandler} runs before every route: it lets {@code /health/live}
 * (and, when configured, {@code /health/ready} and {@code /metrics}) through, authenticates
 * everything else by bearer token (or, with mutual TLS, client certificate), throttles client
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
 */
package io.ssot.security;
