package io.ssot.store;

/**
 * The reserved space of the store: records the server keeps for itself (tokens, schemas) live
 * under keys that begin with {@code ~}, a character outside the key grammar, so the KV API can
 * never name them, while they still get revisions, reach the change log and PostgreSQL, and
 * survive restarts like every other key. Listings and watches skip them.
 */
public final class SystemKeys {

  public static final String PREFIX = "~sys/";
  public static final String TOKENS = PREFIX + "tokens/";
  public static final String SCHEMAS = PREFIX + "schemas/";

  private SystemKeys() {
  }

  public static boolean isSystem(String key) {
    return !key.isEmpty() && key.charAt(0) == '~';
  }
}
