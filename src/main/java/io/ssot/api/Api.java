package io.ssot.api;

import io.ssot.store.GroupCommit;
import io.ssot.store.MvccStore;
import io.ssot.watch.WatchHub;

/** What the HTTP handlers work with, shared by every event loop. */
public record Api(MvccStore store, GroupCommit groupCommit, WatchHub hub, Limits limits, JsonValues json,
                  boolean syncByDefault) {
}
