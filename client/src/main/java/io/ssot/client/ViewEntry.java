package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A key's value in a view, parsed once when the change arrives, with the revision of that change
 * and what typed reads derived from it (a Duration parsed, an object bound by {@code as}), so
 * that a repeated read finds them rather than redoing the work.
 */
final class ViewEntry {

  final JsonNode value;
  final long revision;
  /** Derived values by what derived them: a Class for {@code as}, the text node for a Duration. */
  final ConcurrentHashMap<Object, Object> derived = new ConcurrentHashMap<>(2);

  ViewEntry(JsonNode value, long revision) {
    this.value = value;
    this.revision = revision;
  }
}
