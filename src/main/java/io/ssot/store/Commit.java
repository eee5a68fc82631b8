package io.ssot.store;

import java.util.List;

/**
 * Everything one revision changed: a single put or delete, or every write of a transaction.
 * Changes are {@link Entry} values; a delete is an entry whose value is {@code null}.
 */
public record Commit(long revision, long timestamp, List<Entry> changes) {
}
