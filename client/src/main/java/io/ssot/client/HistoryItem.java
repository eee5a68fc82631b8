package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;

/** A past version of a key: a put with its value, or a delete (value null). */
public record HistoryItem(long revision, boolean deleted, JsonNode value, String updatedAt, String updatedBy) {

  static HistoryItem of(JsonNode n) {
    return new HistoryItem(n.path("revision").asLong(), "delete".equals(n.path("type").asText()), n.get("value"),
        n.path("updatedAt").asText(null), n.path("updatedBy").asText(null));
  }
}
