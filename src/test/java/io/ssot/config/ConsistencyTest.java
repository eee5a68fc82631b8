package io.ssot.config;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rules between settings, checked before start-up touches anything. */
class ConsistencyTest {

  private static String refusal(Map<String, String> settings) {
    Config config = Config.defaults().with(settings);
    return assertThrows(IllegalArgumentException.class, () -> Consistency.check(config)).getMessage();
  }

  @Test
  void theDefaultsFit() {
    assertDoesNotThrow(() -> Consistency.check(Config.defaults()));
  }

  @Test
  void theIdleTimeoutMustOutlastLongPollsAndProgressMessages() {
    String wait = refusal(Map.of("limits.idleTimeout", "30s", "limits.maxWait", "30s"));
    assertTrue(wait.contains("SSOT_LIMITS_IDLE_TIMEOUT") && wait.contains("SSOT_LIMITS_MAX_WAIT"), wait);
    String progress = refusal(Map.of("limits.idleTimeout", "5s", "limits.maxWait", "1s",
        "watch.progressInterval", "10s"));
    assertTrue(progress.contains("SSOT_WATCH_PROGRESS_INTERVAL"), progress);
  }

  @Test
  void aClusterNeedsPostgres() {
    String m = refusal(Map.of("cluster.enabled", "true"));
    assertTrue(m.contains("SSOT_CLUSTER_ENABLED") && m.contains("SSOT_PG_URL"), m);
    assertDoesNotThrow(() -> Consistency.check(Config.defaults().with(Map.of("cluster.enabled", "true",
        "pg.url", "postgresql://postgres@127.0.0.1:5432/test"))));
  }

  @Test
  void aWebSocketFrameMustFitInAMessage() {
    String m = refusal(Map.of("limits.maxWebSocketFrameBytes", "128KiB", "limits.maxWebSocketMessageBytes", "64KiB"));
    assertTrue(m.contains("SSOT_LIMITS_MAX_WEB_SOCKET_FRAME_BYTES"), m);
  }

  @Test
  void tlsNeedsBothCertificateAndKeyAndClientAuthNeedsTlsAndACa() {
    assertTrue(refusal(Map.of("tls.cert", "cert.pem")).contains("SSOT_TLS_KEY"));
    assertTrue(refusal(Map.of("tls.key", "key.pem")).contains("SSOT_TLS_CERT"));
    assertTrue(refusal(Map.of("tls.clientAuth", "required", "tls.clientCa", "ca.pem")).contains("needs TLS"));
    String noCa = refusal(Map.of("tls.cert", "cert.pem", "tls.key", "key.pem", "tls.clientAuth", "request"));
    assertTrue(noCa.contains("tls.clientCa"), noCa);
    assertDoesNotThrow(() -> Consistency.check(Config.defaults().with(Map.of("tls.cert", "cert.pem",
        "tls.key", "key.pem", "tls.clientAuth", "request", "tls.clientCa", "ca.pem"))));
  }

  @Test
  void aRedisUrlThatDoesNotParseIsRefusedWithoutRepeatingIt() {
    for (String bad : new String[] {"127.0.0.1:6379", "http://127.0.0.1:6379", "redis://", "redis://host:6379/x",
        "redis://secret@host name"}) {
      String m = refusal(Map.of("redis.url", bad));
      assertTrue(m.contains("SSOT_REDIS_URL") && m.contains("redis://[user:password@]host"), m);
      assertTrue(!m.contains("secret"), m);
    }
    for (String good : new String[] {"redis://127.0.0.1:6379", "redis://localhost", "rediss://u:p@host:6380/2"}) {
      assertDoesNotThrow(() -> Consistency.check(Config.defaults().with(Map.of("redis.url", good))), good);
    }
  }
}
