package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A key's entry as the server reports it.
 *
 * @param revision the revision of its last change (its ETag)
 * @param version  writes since it was created, 1 on create
 */
public record Entry(String key, JsonNode value, long revision, long createRevision, long version,
                    String updatedAt, String updatedBy) {

  static Entry of(JsonNode n) {
    return new Entry(n.path("key").asText(), n.get("value"), n.path("revision").asLong(),
        n.path("createRevision").asLong(), n.path("version").asLong(), n.path("updatedAt").asText(null),
        n.path("updatedBy").asText(null));
  }
}
