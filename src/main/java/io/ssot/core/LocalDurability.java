package io.ssot.core;

import io.ssot.store.GroupCommit;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Embedded: sync means the change log is forced to disk (group commit); every write is admitted. */
public final class LocalDurability implements Durability {

  private final GroupCommit groupCommit;

  public LocalDurability(GroupCommit groupCommit) {
    this.groupCommit = groupCommit;
  }

  @Override
  public Future<Void> sync(long revision) {
    return Future.fromCompletionStage(groupCommit.durable(revision), Vertx.currentContext());
  }

  @Override
  public void admitWrite() {
  }
}
