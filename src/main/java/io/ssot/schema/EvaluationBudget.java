package io.ssot.schema;

import com.networknt.schema.ExecutionContext;

/**
 * The execution context of one validation, with a step and a depth budget. The validator moves
 * the evaluation path through this context for every keyword it evaluates, in every schema it
 * enters (a {@code $ref}, {@code anyOf} or {@code items} subschema is evaluated keyword by keyword
 * the same way), and for every branch, item or property it descends into. Counting those moves
 * bounds the work of a validation (steps) and its recursion (the length of the evaluation path),
 * so that a reference cycle or an explosive schema ends with {@link Exceeded} instead of a hung
 * thread or a stack overflow.
 */
final class EvaluationBudget extends ExecutionContext {

  private final long maxSteps;
  private final int maxDepth;
  private long steps;
  private int depth;

  EvaluationBudget(long maxSteps, int maxDepth) {
    this.maxSteps = maxSteps;
    this.maxDepth = maxDepth;
  }

  @Override
  public void evaluationPathAddLast(String token) {
    admit();
    super.evaluationPathAddLast(token);
  }

  @Override
  public void evaluationPathAddLast(int token) {
    admit();
    super.evaluationPathAddLast(token);
  }

  @Override
  public void evaluationPathRemoveLast() {
    depth--;
    super.evaluationPathRemoveLast();
  }

  private void admit() {
    if (++steps > maxSteps || depth + 1 > maxDepth) {
      throw new Exceeded();
    }
    depth++;
  }

  /** The validation needs more than its budget; it was abandoned, its partial result is void. */
  static final class Exceeded extends RuntimeException {
    Exceeded() {
      super("evaluation budget exceeded", null, false, false);
    }
  }
}
