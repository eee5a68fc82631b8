package io.ssot.security;

import io.ssot.http.EntryJson;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A token as it is kept in the store's reserved space ({@code ~sys/tokens/<id>}): everything
 * but the secret, of which only the SHA-256 is kept.
 *
 * @param expiresAt epoch milliseconds, 0 for never
 */
public record StoredToken(String id, String name, List<Grant> grants, long expiresAt, long createdAt, String createdBy,
                   byte[] secretHash) {

  Principal principal() {
    return new Principal(name, id, grants, expiresAt);
  }

  /** The public view: what {@code GET /v1/tokens} shows, without the hash. */
  public JsonObject describe() {
    JsonArray roles = new JsonArray();
    grants.forEach(g -> roles.add(new JsonObject().put("role", g.role().wireName()).put("prefix", g.prefix())));
    return new JsonObject()
        .put("id", id)
        .put("name", name)
        .put("roles", roles)
        .put("expiresAt", expiresAt == 0 ? null : EntryJson.timestamp(expiresAt))
        .put("createdAt", EntryJson.timestamp(createdAt))
        .put("createdBy", createdBy);
  }

  byte[] encode() {
    return describe().put("secretSha256", Base64.getEncoder().encodeToString(secretHash)).encode()
        .getBytes(StandardCharsets.UTF_8);
  }

  /** Decodes a record this server wrote; a record that does not decode is treated as no token. */
  static StoredToken decode(String id, byte[] stored) {
    try {
      JsonObject json = new JsonObject(new String(stored, StandardCharsets.UTF_8));
      List<Grant> grants = new ArrayList<>();
      for (Object o : json.getJsonArray("roles")) {
        JsonObject r = (JsonObject) o;
        Role role = Role.parse(r.getString("role"));
        if (role == null || r.getString("prefix") == null) {
          return null;
        }
        grants.add(new Grant(role, r.getString("prefix")));
      }
      String expires = json.getString("expiresAt");
      return new StoredToken(id, json.getString("name"), grants,
          expires == null ? 0 : Instant.parse(expires).toEpochMilli(),
          Instant.parse(json.getString("createdAt")).toEpochMilli(), json.getString("createdBy"),
          Base64.getDecoder().decode(json.getString("secretSha256")));
    } catch (RuntimeException e) {
      return null;
    }
  }
}
