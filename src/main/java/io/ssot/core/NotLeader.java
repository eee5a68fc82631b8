package io.ssot.core;

/**
 * This node does not commit writes now (a follower, or a leader that lost its lock); nothing was
 * changed. Answered 503 {@code not-leader} with Retry-After and the leader, when one is known.
 */
public final class NotLeader extends RuntimeException {

  private final String leaderId;
  private final String leaderUrl;

  /** @param leaderId the leader's node id, or {@code null} when no leader is known */
  public NotLeader(String message, String leaderId, String leaderUrl) {
    super(message, null, false, false);
    this.leaderId = leaderId;
    this.leaderUrl = leaderUrl;
  }

  /** The leader's node id, or {@code null} when none is known. */
  public String leaderId() {
    return leaderId;
  }

  /** The leader's advertised URL, or {@code null} when none is known. */
  public String leaderUrl() {
    return leaderUrl;
  }
}
