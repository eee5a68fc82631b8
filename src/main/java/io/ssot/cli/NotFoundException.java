package io.ssot.cli;

/** What the command was asked about does not exist: exit code 3. */
final class NotFoundException extends RuntimeException {

  NotFoundException(String message) {
    super(message);
  }
}
