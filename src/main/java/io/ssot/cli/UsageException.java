package io.ssot.cli;

/** Input the command cannot use (a file that is not JSON, an unsafe profile file): exit code 2, its message alone. */
final class UsageException extends RuntimeException {

  UsageException(String message) {
    super(message);
  }

  UsageException(String message, Throwable cause) {
    super(message, cause);
  }
}
