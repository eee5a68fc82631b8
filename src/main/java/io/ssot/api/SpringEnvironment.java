package io.ssot.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.ssot.store.Entry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The keys under {@code config/} as Spring Cloud Config environments: which layers an
 * application and its profiles read, in which order, how a layer's keys become property names,
 * and the renderings of the merged result. Pure: {@link SpringConfigRoutes} reads the store.
 *
 * <p>A layer is the keys below {@code config/<application>/<profile>/}: {@code config/payments/prod/db}
 * with {@code {"pool":{"max":32}}} gives {@code db.pool.max} (as the client library's
 * {@code LayeredConfig} reads them). Within a layer keys apply in key order, so a key deeper than
 * another overrides what the other's value says of the same name.
 */
final class SpringEnvironment {

  static final String ROOT = "config/";
  /** The application whose layers every application inherits, as {@code application.yml}. */
  static final String SHARED_APPLICATION = "application";
  /** The profile of the base layer, as {@code payments.yml} (no profile). */
  static final String DEFAULT_PROFILE = "default";
  /** The one label: the store has one line of history. */
  static final String LABEL = "main";

  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));

  private SpringEnvironment() {
  }

  /** One property and the key that set it (the {@code origin} of the v2 media type). */
  record Property(JsonNode value, String origin) {
  }

  /** One property source: its layer's key prefix as name, its properties in key order. */
  record Source(String name, Map<String, Property> properties) {
  }

  /**
   * The layer prefixes {@code application} with {@code profiles} reads, the first taking
   * precedence, as Spring Cloud Config orders files: each profile (the last named first) with the
   * application's layer before the shared one, then the two base layers.
   */
  static List<String> layers(String application, List<String> profiles) {
    List<String> applications = application.equals(SHARED_APPLICATION) ? List.of(application)
        : List.of(application, SHARED_APPLICATION);
    List<String> specific = new ArrayList<>(new LinkedHashSet<>(profiles));
    specific.remove(DEFAULT_PROFILE);
    List<String> layers = new ArrayList<>();
    for (int i = specific.size() - 1; i >= 0; i--) {
      for (String app : applications) {
        layers.add(ROOT + app + "/" + specific.get(i));
      }
    }
    for (String app : applications) {
      layers.add(ROOT + app + "/" + DEFAULT_PROFILE);
    }
    return layers;
  }

  /** Bounds what one answer flattens: properties, and their bytes near enough as they are written. */
  static final class Budget {
    final int maxProperties;
    final long maxBytes;
    int properties;
    long bytes;

    Budget(int maxProperties, long maxBytes) {
      this.maxProperties = maxProperties;
      this.maxBytes = maxBytes;
    }

    void add(String name, JsonNode value, String origin) {
      properties++;
      bytes += 48 + name.length() + origin.length() + (value.isTextual() ? value.textValue().length() : 24);
      if (properties > maxProperties || bytes > maxBytes) {
        throw tooLarge("gives more than " + maxProperties + " properties or " + maxBytes + " bytes");
      }
    }
  }

  static ApiException tooLarge(String what) {
    return new ApiException(Problem.ENVIRONMENT_TOO_LARGE, "the environment " + what
        + "; split the application's configuration or read its keys with GET /v1/kv?prefix=config/");
  }

  /** A layer's entries (the keys below it, values opened) as one property source. */
  static Source source(String layer, List<Entry> entries, Budget budget) {
    Map<String, Property> properties = new LinkedHashMap<>();
    for (Entry e : entries) {
      flatten(e.key().substring(layer.length() + 1).replace('/', '.'), parse(e.value()), e.key(), properties, budget);
    }
    return new Source(layer + "/", properties);
  }

  private static JsonNode parse(byte[] value) {
    try {
      return MAPPER.readTree(value);
    } catch (IOException e) {
      // Stored values are validated JSON: this is a fault, not bad input.
      throw new UncheckedIOException(e);
    }
  }

  /** Spring's YAML flattening: objects give {@code name.field}, arrays {@code name[i]}, null and an empty array "". */
  private static void flatten(String name, JsonNode node, String origin, Map<String, Property> into, Budget budget) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        flatten(name.isEmpty() ? field.getKey() : name + "." + field.getKey(), field.getValue(), origin, into, budget);
      }
    } else if (node.isArray()) {
      if (node.isEmpty()) {
        put(name, TextNode.valueOf(""), origin, into, budget);
      }
      for (int i = 0; i < node.size(); i++) {
        flatten(name + "[" + i + "]", node.get(i), origin, into, budget);
      }
    } else {
      put(name, node.isNull() ? TextNode.valueOf("") : node, origin, into, budget);
    }
  }

  private static void put(String name, JsonNode value, String origin, Map<String, Property> into, Budget budget) {
    budget.add(name, value, origin);
    into.remove(name); // a later key's value takes the place of an earlier one, also in order
    into.put(name, new Property(value, origin));
  }

  // ---- the Environment document --------------------------------------------------------------

  /**
   * The Environment JSON spring-cloud-config-client reads; with {@code withOrigin} (the v2 media
   * type) each value is {@code {"value": ..., "origin": key}}.
   */
  static byte[] environment(String application, List<String> profiles, long revision, List<Source> sources,
      boolean withOrigin) {
    ObjectNode env = MAPPER.createObjectNode();
    env.put("name", application);
    ArrayNode names = env.putArray("profiles");
    profiles.forEach(names::add);
    env.put("label", LABEL);
    env.put("version", Long.toString(revision));
    env.putNull("state");
    ArrayNode list = env.putArray("propertySources");
    for (Source s : sources) {
      ObjectNode source = list.addObject();
      source.put("name", s.name());
      ObjectNode values = source.putObject("source");
      for (Map.Entry<String, Property> p : s.properties().entrySet()) {
        if (withOrigin) {
          values.putObject(p.getKey()).set("value", p.getValue().value());
          ((ObjectNode) values.get(p.getKey())).put("origin", p.getValue().origin());
        } else {
          values.set(p.getKey(), p.getValue().value());
        }
      }
    }
    return write(env);
  }

  private static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- renderings of the merged properties ---------------------------------------------------

  /**
   * The sources merged as Spring Cloud Config merges them for its renderings: sorted by name, a
   * name from the source of highest precedence, and an array ({@code a[0]}, {@code a[1]}...) whole
   * from the source of highest precedence that has it, never mixed with a shorter one below.
   */
  static TreeMap<String, JsonNode> merged(List<Source> sources) {
    TreeMap<String, JsonNode> merged = new TreeMap<>();
    Map<String, Map<String, JsonNode>> arrays = new LinkedHashMap<>();
    for (int i = sources.size() - 1; i >= 0; i--) {
      Map<String, Property> properties = sources.get(i).properties();
      Map<String, Map<String, JsonNode>> here = new LinkedHashMap<>();
      for (Map.Entry<String, Property> p : properties.entrySet()) {
        String name = p.getKey();
        int bracket = name.indexOf('[');
        if (bracket < 0) {
          merged.put(name, p.getValue().value());
        } else {
          here.computeIfAbsent(name.substring(0, bracket), k -> new TreeMap<>()).put(name, p.getValue().value());
        }
      }
      arrays.putAll(here);
    }
    arrays.values().forEach(merged::putAll);
    merged.remove("spring.profiles");
    return merged;
  }

  /** {@code .properties}: {@code name: value} lines in name order, as Spring Cloud Config writes them. */
  static String properties(TreeMap<String, JsonNode> merged) {
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, JsonNode> p : merged.entrySet()) {
      if (out.length() > 0) {
        out.append('\n');
      }
      out.append(p.getKey()).append(": ").append(text(p.getValue()));
    }
    return out.toString();
  }

  private static String text(JsonNode value) {
    return value.isTextual() ? value.textValue() : value.isBigDecimal() ? value.decimalValue().toPlainString()
        : value.asText();
  }

  /** {@code .json}: the merged names as nested objects and arrays. */
  static byte[] json(TreeMap<String, JsonNode> merged) {
    return write(nested(merged, false));
  }

  /** {@code .yml}: the merged names as nested YAML (a lone {@code document} as itself). */
  static String yaml(TreeMap<String, JsonNode> merged) {
    Map<String, Object> tree = nested(merged, true);
    if (tree.size() == 1 && tree.containsKey("document")) {
      Object document = tree.get("document");
      return new Yaml().dumpAs(document, document instanceof List ? Tag.SEQ : Tag.STR, DumperOptions.FlowStyle.BLOCK);
    }
    return new Yaml().dumpAsMap(tree);
  }

  /**
   * Names such as {@code a.b[0].c} as nested maps and lists. A name that clashes with another
   * (a scalar where a later name needs an object) gives way to the later one, in name order; an
   * index larger than the number of properties is kept as part of a plain name, so that no name
   * can make a list longer than the answer.
   */
  private static Map<String, Object> nested(TreeMap<String, JsonNode> merged, boolean javaValues) {
    Map<String, Object> root = new LinkedHashMap<>();
    int maxIndex = merged.size();
    for (Map.Entry<String, JsonNode> p : merged.entrySet()) {
      List<Object> path = path(p.getKey(), maxIndex);
      Object leaf = javaValues ? javaValue(p.getValue()) : p.getValue();
      Object container = root;
      for (int i = 0; i < path.size(); i++) {
        Object step = path.get(i);
        boolean last = i == path.size() - 1;
        Object next = last ? null : path.get(i + 1) instanceof Integer ? new ArrayList<>() : new LinkedHashMap<>();
        container = step(container, step, last ? leaf : next, last);
      }
    }
    return root;
  }

  /** Sets or descends into {@code step} of {@code container}; returns the child to continue from. */
  @SuppressWarnings("unchecked")
  private static Object step(Object container, Object step, Object fresh, boolean last) {
    if (step instanceof Integer index) {
      List<Object> list = (List<Object>) container;
      while (list.size() <= index) {
        list.add(null);
      }
      Object current = list.get(index);
      if (last || current == null || !sameKind(current, fresh)) {
        list.set(index, fresh);
        return fresh;
      }
      return current;
    }
    Map<String, Object> map = (Map<String, Object>) container;
    Object current = map.get((String) step);
    if (last || current == null || !sameKind(current, fresh)) {
      map.put((String) step, fresh);
      return fresh;
    }
    return current;
  }

  private static boolean sameKind(Object current, Object fresh) {
    return (current instanceof List && fresh instanceof List) || (current instanceof Map && fresh instanceof Map);
  }

  /**
   * {@code a.b[0][1].c} as {@code "a", "b", 0, 1, "c"}. A bracket that is not a small index
   * followed by {@code .}, {@code [} or the end stays part of the name.
   */
  private static List<Object> path(String name, int maxIndex) {
    List<Object> path = new ArrayList<>();
    StringBuilder segment = new StringBuilder();
    boolean inName = true; // false right after an index: the next step is another index or a '.'
    int n = name.length();
    int i = 0;
    while (i < n) {
      char c = name.charAt(i);
      if (c == '.') {
        if (inName) {
          path.add(segment.toString());
        }
        segment.setLength(0);
        inName = true;
        i++;
        continue;
      }
      if (c == '[') {
        int close = name.indexOf(']', i);
        Integer index = close < 0 ? null : index(name.substring(i + 1, close), maxIndex);
        if (index != null && (close + 1 == n || name.charAt(close + 1) == '.' || name.charAt(close + 1) == '[')) {
          if (inName) {
            path.add(segment.toString());
          }
          segment.setLength(0);
          path.add(index);
          inName = false;
          i = close + 1;
          continue;
        }
      }
      inName = true;
      segment.append(c);
      i++;
    }
    if (inName) {
      path.add(segment.toString());
    }
    return path;
  }

  private static Integer index(String digits, int maxIndex) {
    if (digits.isEmpty() || digits.length() > 9 || !digits.chars().allMatch(Character::isDigit)) {
      return null;
    }
    int index = Integer.parseInt(digits);
    return index <= maxIndex ? index : null;
  }

  /** A JSON scalar as SnakeYAML writes it: strings, whole numbers, decimals and booleans. */
  private static Object javaValue(JsonNode value) {
    if (value.isTextual()) {
      return value.textValue();
    }
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    if (value.isIntegralNumber()) {
      BigInteger big = value.bigIntegerValue();
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }
    if (value.isNumber()) {
      return value.decimalValue();
    }
    return value.asText();
  }
}
