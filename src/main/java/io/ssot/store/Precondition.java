package io.ssot.store;

/** A condition on a key's current state that a write requires (If-Match / If-None-Match: *). */
public sealed interface Precondition {

  Precondition NONE = new None();
  Precondition ABSENT = new Absent();
  Precondition EXISTS = new Exists();

  static Precondition revision(long revision) {
    return new AtRevision(revision);
  }

  /** Whether the key's current revision ({@code null} if absent) satisfies this condition. */
  boolean holds(Long currentRevision);

  record None() implements Precondition {
    @Override
    public boolean holds(Long currentRevision) {
      return true;
    }
  }

  record Absent() implements Precondition {
    @Override
    public boolean holds(Long currentRevision) {
      return currentRevision == null;
    }
  }

  record Exists() implements Precondition {
    @Override
    public boolean holds(Long currentRevision) {
      return currentRevision != null;
    }
  }

  record AtRevision(long revision) implements Precondition {
    @Override
    public boolean holds(Long currentRevision) {
      return currentRevision != null && currentRevision == revision;
    }
  }
}
