package io.ssot.http;

import io.ssot.config.Config;
import io.ssot.config.Settings;

/** The request limits the API enforces, read once from the configuration. */
public record Limits(long maxValueBytes, int maxJsonDepth, long maxWaitMillis, long maxTxnBytes, int maxTxnOps,
                     long maxTxnReadBytes, int maxWatchesPerConnection, int maxKeyBytes, int maxPageSize,
                     long maxPageBytes, long webSocketIdleMillis) {

  public static Limits from(Config config) {
    return new Limits(config.get(Settings.LIMITS_MAX_VALUE_BYTES), config.get(Settings.LIMITS_MAX_JSON_DEPTH),
        config.get(Settings.LIMITS_MAX_WAIT).toMillis(), config.get(Settings.LIMITS_MAX_TXN_BYTES),
        config.get(Settings.LIMITS_MAX_TXN_OPS), config.get(Settings.LIMITS_MAX_TXN_READ_BYTES),
        config.get(Settings.LIMITS_MAX_WATCHES_PER_CONNECTION),
        config.get(Settings.LIMITS_MAX_KEY_BYTES), config.get(Settings.LIMITS_MAX_PAGE_SIZE),
        config.get(Settings.LIMITS_MAX_PAGE_BYTES), config.get(Settings.LIMITS_WEB_SOCKET_IDLE_TIMEOUT).toMillis());
  }
}
