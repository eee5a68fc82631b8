package io.ssot.cli;

import io.ssot.client.SsotException;

/**
 * The exit code of a command, by the class of its problem, so that a script can tell them apart
 * without reading the message. Listed in {@code ssot --help} ({@link #HELP}) and the README.
 */
final class ExitCodes {

  static final int OK = 0;
  /** Any other failure: the server unreachable, an I/O error, an unexpected answer, a declined apply. */
  static final int OTHER = 1;
  /** Bad usage: unknown command or option, missing argument, unreadable or invalid input, the server refused the request as invalid (400, 413, 415, 422), an unsafe profile file. */
  static final int USAGE = 2;
  /** The key, token, schema or revision does not exist (404, 410); no cluster or PostgreSQL to ask. */
  static final int NOT_FOUND = 3;
  /** A precondition failed (412), a transaction's compares did not hold, apply lost a race, drift found, 409. */
  static final int CONFLICT = 4;
  /** No valid token (401) or the token lacks the role (403). */
  static final int DENIED = 5;
  /** The server is unavailable, overloaded or too slow (503, 429, 504). */
  static final int UNAVAILABLE = 6;

  /** Each line shorter than the 80 columns at which picocli wraps. */
  static final String HELP = "%nExit codes:%n"
      + "  0  ok%n"
      + "  1  other failure: server unreachable, I/O error, apply declined,%n"
      + "     a saved snapshot that does not verify%n"
      + "  2  bad usage or input; 400/413/415/422 from the server; an unsafe%n"
      + "     profile file; a bad snapshot file or a non-empty data directory%n"
      + "  3  not found (404, 410, not in cluster mode)%n"
      + "  4  conflict: precondition failed (412), txn compares failed, apply%n"
      + "     lost a race, diff --pg found differences, restore into a used store%n"
      + "  5  unauthorized or forbidden (401, 403)%n"
      + "  6  unavailable (503, 429, 504)%n";

  private ExitCodes() {
  }

  static int of(SsotException e) {
    return switch (e.status()) {
      case 0 -> OTHER;
      case 400, 405, 413, 415, 422 -> USAGE;
      case 404, 410 -> NOT_FOUND;
      case 409, 412 -> CONFLICT;
      case 401, 403 -> DENIED;
      case 429, 503, 504 -> UNAVAILABLE;
      default -> OTHER;
    };
  }
}
