package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON values as Spring-style property names: a key's path below its layer becomes the name's
 * start ({@code db/primary} gives {@code db.primary}), object members add {@code .name} and array
 * items {@code [i]}; the leaves (text, numbers, booleans) are the properties. A JSON null is an
 * empty text, as Spring's YAML reading makes it; an empty object or array gives nothing.
 */
public final class PropertyFlattener {

  private PropertyFlattener() {
  }

  /** Puts every property of {@code value} under {@code name} into {@code out}, replacing those there. */
  public static void flatten(String name, JsonNode value, Map<String, JsonNode> out) {
    if (value == null) {
      return;
    }
    if (value.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> member = it.next();
        flatten(name.isEmpty() ? member.getKey() : name + "." + member.getKey(), member.getValue(), out);
      }
    } else if (value.isArray()) {
      for (int i = 0; i < value.size(); i++) {
        flatten(name + "[" + i + "]", value.get(i), out);
      }
    } else if (!name.isEmpty()) {
      out.put(name, value.isNull() ? TextNode.valueOf("") : value);
    }
  }

  /** The property name of a key below its layer's prefix: its {@code /} become {@code .}. */
  public static String name(String keyBelowLayer) {
    return keyBelowLayer.replace('/', '.');
  }
}
