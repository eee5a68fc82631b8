package io.ssot.store;

import java.util.List;

/** An atomic compare-and-apply over several keys; all its writes share one revision. */
public final class Txn {

  private Txn() {
  }

  /**
   * A compare on one key: {@code revision} (0 meaning absent) and/or {@code exists}; at least
   * one is set.
   */
  public record Compare(String key, Long revision, Boolean exists) {
    boolean holds(Entry current) {
      long currentRevision = current == null ? 0 : current.revision();
      return (revision == null || revision == currentRevision)
          && (exists == null || exists == (current != null));
    }
  }

  public enum OpType { PUT, DELETE, GET }

  /** One operation; {@code value} is set for a put only. */
  public record Op(OpType type, String key, byte[] value) {
  }

  public record Request(List<Compare> compare, List<Op> success, List<Op> failure) {
  }

  /** The outcome of one op, in op order. */
  public sealed interface OpResult {
  }

  public record PutResult(String key, long revision) implements OpResult {
  }

  public record DeleteResult(String key, long revision, boolean deleted) implements OpResult {
  }

  /** {@code entry} is {@code null} when the key was not found. */
  public record GetResult(String key, Entry entry) implements OpResult {
  }

  public record Result(boolean succeeded, long revision, List<OpResult> results) {
  }
}
