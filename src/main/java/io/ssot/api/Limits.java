package io.ssot.api;

import io.ssot.config.Config;
import io.ssot.config.Settings;

/** The request limits the API enforces, read once from the configuration. */
public record Limits(long maxValueBytes, int maxJsonDepth, long maxWaitMillis, long maxTxnBytes, int maxTxnOps,
                     int maxWatchesPerConnection, long watchQueueBytes) {

  public static Limits from(Config config) {
    return new Limits(config.get(Settings.LIMITS_MAX_VALUE_BYTES), config.get(Settings.LIMITS_MAX_JSON_DEPTH),
        config.get(Settings.LIMITS_MAX_WAIT).toMillis(), config.get(Settings.LIMITS_MAX_TXN_BYTES),
        config.get(Settings.LIMITS_MAX_TXN_OPS), config.get(Settings.LIMITS_MAX_WATCHES_PER_CONNECTION),
        config.get(Settings.WATCH_MAX_QUEUE_BYTES));
  }
}
