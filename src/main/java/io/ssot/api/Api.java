package io.ssot.api;

import io.ssot.store.MvccStore;
import io.ssot.watch.WatchHub;

/** What the HTTP handlers work with, shared by every event loop. */
public record Api(MvccStore store, Durability durability, WatchHub hub, Limits limits, JsonValues json,
                  boolean syncByDefault) {
}
