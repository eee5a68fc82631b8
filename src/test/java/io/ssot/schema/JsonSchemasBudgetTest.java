package io.ssot.schema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The evaluation budget of {@link JsonSchemas}: each way a schema can make a validation run away
 * (a reference cycle, recursion as deep as the value, branches that multiply) ends in a violation
 * saying so, and ordinary large values stay well within it.
 */
class JsonSchemasBudgetTest {

  private final JsonSchemas schemas = new JsonSchemas();

  @Test
  void referenceCycleEndsInTheBudgetViolation() {
    JsonSchemas.Compiled cycle = compile(
        "{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},\"b\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}");
    assertOverBudget(schemas.violations(cycle, schemas.parse(bytes("{}"))));
  }

  @Test
  void recursionAsDeepAsTheValueIsBoundedByTheDepthBudget() {
    JsonSchemas.Compiled tree = compile(
        "{\"$defs\":{\"n\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/n\"}}},\"$ref\":\"#/$defs/n\"}");
    // As deep as a stored value may be (limits.maxJsonDepth, 64): checked, valid or not.
    assertEquals(List.of(), schemas.violations(tree, schemas.parse(bytes(nested(64, "")))));
    List<Violation> invalid = schemas.violations(tree, schemas.parse(bytes(nested(64, "1"))));
    assertEquals(1, invalid.size(), invalid::toString);
    assertEquals("/0".repeat(64), invalid.get(0).instanceLocation());
    // Far deeper than that: refused by the budget, not by a stack overflow.
    assertOverBudget(schemas.violations(tree, schemas.parse(bytes(nested(400, "")))));
  }

  @Test
  void branchesThatMultiplyAreBoundedByTheStepBudget() {
    // d0 tries d1 twice, d1 tries d2 twice...: 2^40 evaluations for a value none of them accepts.
    StringBuilder defs = new StringBuilder("{\"$defs\":{");
    for (int i = 0; i < 40; i++) {
      defs.append("\"d").append(i).append("\":{\"anyOf\":[{\"$ref\":\"#/$defs/d").append(i + 1)
          .append("\"},{\"$ref\":\"#/$defs/d").append(i + 1).append("\"}]},");
    }
    defs.append("\"d40\":{\"type\":\"string\"}},\"$ref\":\"#/$defs/d0\"}");
    JsonSchemas.Compiled explosive = compile(defs.toString());
    assertOverBudget(schemas.violations(explosive, schemas.parse(bytes("1"))));
    assertEquals(List.of(), schemas.violations(explosive, schemas.parse(bytes("\"s\""))), "the first branch holds");
  }

  @Test
  void largeValuesStayWithinTheBudget() {
    JsonSchemas.Compiled rows = compile("""
        {"type":"array","items":{"type":"object","required":["id","tags"],
         "properties":{"id":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}}}}}""");
    StringBuilder value = new StringBuilder("[");
    for (int i = 0; i < 20_000; i++) {
      value.append(i == 0 ? "" : ",").append("{\"id\":").append(i).append(",\"tags\":[\"a\",\"b\",\"c\"]}");
    }
    assertTrue(value.length() > 512 << 10);
    assertEquals(List.of(), schemas.violations(rows, schemas.parse(bytes(value.append("]").toString()))));
  }

  @Test
  void theValidatorRunsOnTheJacksonOfTheServer() {
    // One Jackson in the jar: the validator must not bring the 3.x line (package tools.jackson).
    assertThrows(ClassNotFoundException.class, () -> Class.forName("tools.jackson.core.JsonParser"));
    assertThrows(ClassNotFoundException.class, () -> Class.forName("tools.jackson.databind.JsonNode"));
  }

  private JsonSchemas.Compiled compile(String schema) {
    return schemas.compile("p", bytes(schema));
  }

  private static void assertOverBudget(List<Violation> violations) {
    assertEquals(1, violations.size(), violations::toString);
    assertTrue(violations.get(0).message().contains("validation budget"), violations::toString);
  }

  private static String nested(int depth, String inner) {
    return "[".repeat(depth) + inner + "]".repeat(depth);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
