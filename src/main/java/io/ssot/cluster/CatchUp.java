package io.ssot.cluster;

import io.vertx.core.Future;

/**
 * Brings the local store up to what PostgreSQL holds, from PostgreSQL's history: what a follower
 * does when the Redis stream cannot tell it the next revision (a gap, a trimmed stream, Redis
 * down or not configured).
 */
@FunctionalInterface
public interface CatchUp {

  /** Starts a catch-up now; completes, without blocking the caller, with the store's revision after it. */
  Future<Long> now();
}
