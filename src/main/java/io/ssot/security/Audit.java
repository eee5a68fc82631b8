package io.ssot.security;

import io.ssot.http.EntryJson;
import io.ssot.http.RequestIds;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: one JSON object per line on the logger {@code ssot.audit}, for token changes
 * and denied requests (writes are audited by the history, which records each principal).
 * Never holds a token or secret: principals, token ids, methods, paths (without the query) and
 * outcomes only, and the id of the request ({@link RequestIds}; null outside one).
 */
public final class Audit {

  private static final Logger LOG = LoggerFactory.getLogger("ssot.audit");

  private Audit() {
  }

  /**
   * @param principal  who acted, or null when unknown (a failed authentication)
   * @param tokenId    the token used (or, for token events, the token concerned), may be null
   */
  public static void record(String event, String principal, String tokenId, String method, String path, String address,
                     String outcome) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    JsonObject line = new JsonObject()
        .put("time", EntryJson.timestamp(System.currentTimeMillis()))
        .put("event", event)
        .put("principal", principal)
        .put("tokenId", tokenId)
        .put("method", method)
        .put("path", path)
        .put("address", address)
        .put("outcome", outcome)
        .put("requestId", RequestIds.current());
    LOG.info(line.encode());
  }

  /**
   * The store and PostgreSQL differ ({@code io.ssot.persist.PgDrift}): the revision compared, how many
   * keys differ and the first of them (keys, never values). Nobody acted: no principal.
   */
  public static void drift(long revision, long count, List<String> keys) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    JsonObject line = new JsonObject()
        .put("time", EntryJson.timestamp(System.currentTimeMillis()))
        .put("event", "pg-drift")
        .put("revision", revision)
        .put("count", count)
        .put("keys", new JsonArray(keys.subList(0, Math.min(100, keys.size()))))
        .put("outcome", "reported");
    LOG.info(line.encode());
  }
}
