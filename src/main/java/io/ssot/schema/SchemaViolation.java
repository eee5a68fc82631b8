package io.ssot.schema;

import java.util.List;

/** A write that breaks the schema of its key's prefix (422 {@code schema-violation}). */
public final class SchemaViolation extends RuntimeException {

  private final transient List<Violation> violations;

  public SchemaViolation(String key, List<Violation> violations) {
    super("the value of " + key + " does not satisfy the schema of its prefix", null, false, false);
    this.violations = List.copyOf(violations);
  }

  public List<Violation> violations() {
    return violations;
  }
}
