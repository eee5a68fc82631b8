package io.ssot.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class PropertyFlattenerTest {

  private static Map<String, String> flatten(String name, String json) {
    Map<String, JsonNode> out = new TreeMap<>();
    PropertyFlattener.flatten(name, Json.parse(json), out);
    return out.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().toString(),
        (a, b) -> a, TreeMap::new));
  }

  @Test
  void objectsGiveDottedNamesBelowTheKeyPath() {
    assertEquals(Map.of("db.pool.max", "32", "db.pool.name", "\"main\""),
        flatten("db", "{\"pool\":{\"max\":32,\"name\":\"main\"}}"));
  }

  @Test
  void arraysGiveIndexes() {
    assertEquals(Map.of("hosts[0]", "\"a\"", "hosts[1].port", "5432", "hosts[1].tls", "true", "hosts[2][0]", "1"),
        flatten("hosts", "[\"a\",{\"port\":5432,\"tls\":true},[1]]"));
  }

  @Test
  void aScalarIsThePropertyOfTheKeyItself() {
    assertEquals(Map.of("feature.beta", "false"), flatten(PropertyFlattener.name("feature/beta"), "false"));
    assertEquals(Map.of("timeout", "\"5s\""), flatten("timeout", "\"5s\""));
  }

  @Test
  void nullIsEmptyTextAndEmptyContainersGiveNothing() {
    assertEquals(Map.of("a.n", "\"\""), flatten("a", "{\"n\":null,\"o\":{},\"l\":[]}"));
    assertFalse(flatten("a", "{}").containsKey("a"));
  }

  @Test
  void aKeyPathBecomesDottedName() {
    assertEquals("db.primary.pool", PropertyFlattener.name("db/primary/pool"));
  }
}
