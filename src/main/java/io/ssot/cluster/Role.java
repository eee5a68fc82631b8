package io.ssot.cluster;

/** What a node does in its cluster. */
public enum Role {
  /** Applies what PostgreSQL holds; refuses writes. */
  FOLLOWER,
  /** Holds the lock and commits writes. */
  LEADER;

  /** As reported by the API: {@code leader} or {@code follower}. */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
