package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * What one revision changed under a listener's key or prefix. {@code resync} is true for a
 * change found by re-reading the whole prefix (at start, after a compaction, or when the server
 * was reached after a start from the fallback file): it is everything that differs from what the
 * view held, reported once, at the revision of the new listing.
 */
public record Change(long revision, List<KeyChange> changes, boolean resync) {

  /** A key's value before and after; null for absent. */
  public record KeyChange(String key, JsonNode oldValue, JsonNode newValue) {
  }
}
