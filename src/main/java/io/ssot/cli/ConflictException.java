package io.ssot.cli;

/** The server refused a change because the state it was based on moved on: exit code 4. */
final class ConflictException extends RuntimeException {

  ConflictException(String message) {
    super(message);
  }
}
