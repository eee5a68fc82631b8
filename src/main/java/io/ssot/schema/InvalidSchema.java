package io.ssot.schema;

import java.util.List;

/** A document offered as a schema that is not a usable JSON Schema (422 {@code invalid-schema}). */
public final class InvalidSchema extends RuntimeException {

  private final transient List<Violation> problems;

  InvalidSchema(String detail, List<Violation> problems) {
    super(detail, null, false, false);
    this.problems = List.copyOf(problems);
  }

  /** Where the document breaks the draft 2020-12 meta-schema (may be empty). */
  public List<Violation> problems() {
    return problems;
  }
}
