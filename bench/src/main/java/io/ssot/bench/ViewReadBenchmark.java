package io.ssot.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ssot.client.ConfigView;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * A service's read of its configuration through the client's {@link ConfigView}, against the
 * ceiling of a plain {@code HashMap.get} of the same parsed values. 1,000 keys
 * ({@code payments/prod/svc<i>}, values {@code {"pool":{"max":i},"name":"svc-i","timeout":"5s"}}),
 * read in turn so that the key is not a constant. {@code viewGet} is the view's map lookup behind
 * its volatile snapshot; {@code viewGetInt} and {@code viewGetDuration} add a JSON Pointer
 * ({@code /pool/max}, {@code /timeout}) and the typed read; {@code hashMapGetInt} is the same
 * typed read written by hand on the plain map. Uses {@link ConfigView#fixed}: the same read path
 * as a view fed by a server, without one.
 */
@State(Scope.Benchmark)
public class ViewReadBenchmark extends BenchmarkBase {

  private static final int KEYS = 1000;

  private String[] keys;
  private Map<String, JsonNode> plain;
  private ConfigView view;
  private int next;

  @Setup
  public void setUp() {
    ObjectMapper mapper = new ObjectMapper();
    keys = new String[KEYS];
    plain = new HashMap<>();
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "payments/prod/svc" + i;
      plain.put(keys[i], mapper.createObjectNode().<com.fasterxml.jackson.databind.node.ObjectNode>set("pool",
          mapper.createObjectNode().put("max", i)).put("name", "svc-" + i).put("timeout", "5s"));
    }
    view = ConfigView.fixed("payments/prod/", plain);
  }

  private String key() {
    int i = next + 1;
    if (i == KEYS) {
      i = 0;
    }
    next = i;
    return keys[i];
  }

  @Benchmark
  public JsonNode hashMapGet() {
    return plain.get(key());
  }

  @Benchmark
  public JsonNode viewGet() {
    return view.get(key());
  }

  @Benchmark
  public int hashMapGetInt() {
    JsonNode n = plain.get(key());
    return n == null ? 0 : n.path("pool").path("max").asInt(0);
  }

  @Benchmark
  public int viewGetInt() {
    return view.getInt(key(), "/pool/max", 0);
  }

  @Benchmark
  public Duration viewGetDuration() {
    return view.getDuration(key(), "/timeout", Duration.ZERO);
  }
}
