package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;

/** One change seen by a watch: a put with the entry as it now is, or a delete (value null). */
public record WatchEvent(boolean deleted, String key, JsonNode value, long revision, long createRevision,
                         long version, String updatedAt, String updatedBy) {

  static WatchEvent of(JsonNode n) {
    return new WatchEvent("delete".equals(n.path("type").asText()), n.path("key").asText(), n.get("value"),
        n.path("revision").asLong(), n.path("createRevision").asLong(), n.path("version").asLong(),
        n.path("updatedAt").asText(null), n.path("updatedBy").asText(null));
  }
}
