package io.ssot.security;

import java.util.List;

/**
 * Who a request acts as: its name (recorded as {@code updatedBy} on every write), the token it
 * came with and what that token grants.
 *
 * @param tokenId   the stored token's id; null for principals that cannot be revoked through the
 *                  API (the bootstrap admin, {@code anonymous} when auth is off)
 * @param expiresAt epoch milliseconds after which the token no longer works; 0 for never
 */
public record Principal(String name, String tokenId, List<Grant> grants, long expiresAt) {

  static final Principal ANONYMOUS = new Principal("anonymous", null, List.of(new Grant(Role.ADMIN, "")), 0);

  public Principal {
    grants = List.copyOf(grants);
  }

  /** The bootstrap administrator: admin on everything, revoked only by changing its configuration. */
  static Principal bootstrapAdmin() {
    return new Principal("admin", null, List.of(new Grant(Role.ADMIN, "")), 0);
  }

  /**
   * Whether some grant gives {@code role} on everything under {@code keyOrPrefix}: on the key
   * itself for a key, on the whole range for a listing or prefix watch (never a part of it).
   */
  public boolean allows(Role role, String keyOrPrefix) {
    for (Grant g : grants) {
      if (g.covers(role, keyOrPrefix)) {
        return true;
      }
    }
    return false;
  }

  boolean expired(long nowMillis) {
    return expiresAt != 0 && nowMillis >= expiresAt;
  }
}
