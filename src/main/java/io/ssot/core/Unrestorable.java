package io.ssot.core;

/**
 * A rollback to a value that cannot be written again as it was: stored before such values were
 * refused, it starts with a UTF-8 byte-order mark and would not be served as valid JSON. Nothing
 * was changed.
 */
public final class Unrestorable extends RuntimeException {

  Unrestorable(String message) {
    super(message, null, false, false);
  }
}
