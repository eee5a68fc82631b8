package io.ssot.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.ServerExtension;
import io.ssot.TestServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The nodes' healthcheck of docker/compose.yaml, run as Docker would run it (its command, after
 * Compose's interpolation, with the node's SSOT_ADMIN_TOKEN in its environment) against a real
 * server that, like a node on a non-loopback bind, asks a token for /health/ready.
 */
class ComposeHealthcheckTest {

  private static final String CONTAINER_ADDRESS = "/dev/tcp/127.0.0.1/8080";

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().setting("auth.anonymousMonitoring", "never").build();

  @Test
  void theHealthcheckPassesWithTheNodesTokenAndFailsWithAnother() throws Exception {
    assertEquals(0, healthcheck(TestServer.ADMIN_TOKEN));
    assertEquals(1, healthcheck("not-the-admin-token-0123456789"));
  }

  /** The healthcheck's exit code, with {@code token} as the node's SSOT_ADMIN_TOKEN. */
  private static int healthcheck(String token) throws Exception {
    JsonNode test = DockerFiles.yaml(DockerFiles.COMPOSE).get("x-ssot-node").get("healthcheck").get("test");
    assertEquals("CMD", test.get(0).asText(), test.toString());
    List<String> command = new ArrayList<>();
    for (int i = 1; i < test.size(); i++) {
      String arg = DockerFiles.interpolate(test.get(i).asText(), Map.of());
      command.add(arg.replace(CONTAINER_ADDRESS, "/dev/tcp/127.0.0.1/" + server.port()));
    }
    assertTrue(command.toString().contains("/dev/tcp/127.0.0.1/" + server.port()), command.toString());
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("SSOT_ADMIN_TOKEN", token);
    Process process = builder.start();
    assertTrue(process.waitFor(10, TimeUnit.SECONDS), "the healthcheck ended");
    return process.exitValue();
  }
}
