package io.ssot.config;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Why the server cannot start, as the one line {@code Main} prints ({@code Cannot start: ...}),
 * and the process's exit code: {@value #CONFIGURATION} when the configuration is wrong (a setting's
 * value, an unknown setting or environment variable, the configuration file), {@value #ENVIRONMENT}
 * when something around the server is (PostgreSQL, the port, the data directory, the disk).
 *
 * <p>Start-up code throws one where it knows what went wrong, naming the setting and its value;
 * {@link #of} turns anything else thrown during start-up into one, so that every start-up failure
 * is reported the same way and its stack trace goes to the debug log only.
 */
public final class StartupFailure extends RuntimeException {

  /** Exit code of a configuration error. */
  public static final int CONFIGURATION = 2;
  /** Exit code of any other start-up failure. */
  public static final int ENVIRONMENT = 1;

  private final int exitCode;

  private StartupFailure(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** The configuration is wrong: {@code message} names the setting (or file) and its value. */
  public static StartupFailure configuration(String message) {
    return new StartupFailure(CONFIGURATION, message, null);
  }

  /** Something the server needs is not there or not usable: {@code message} says what, where. */
  public static StartupFailure environment(String message, Throwable cause) {
    return new StartupFailure(ENVIRONMENT, message, cause);
  }

  public int exitCode() {
    return exitCode;
  }

  /** The message on one line (a YAML parser's, say, spans several). */
  public String oneLine() {
    String message = getMessage() == null ? getClass().getSimpleName() : getMessage();
    return message.strip().replaceAll("\\s*\\R\\s*", " ");
  }

  /**
   * Anything thrown during start-up, as a start-up failure: itself; an {@link
   * IllegalArgumentException} (how settings and their combinations are refused) as a configuration
   * error; anything else as an environment failure described by its causes.
   */
  public static StartupFailure of(Throwable thrown) {
    Throwable e = unwrap(thrown);
    if (e instanceof StartupFailure failure) {
      return failure;
    }
    if (e instanceof IllegalArgumentException) {
      return new StartupFailure(CONFIGURATION, e.getMessage(), e);
    }
    return environment(describe(e), e);
  }

  /**
   * One line for an exception and its causes: each message once (a message often repeats its
   * cause's), only its first line; the exception's type where its message alone says too little.
   */
  public static String describe(Throwable thrown) {
    List<String> parts = new ArrayList<>();
    for (Throwable e = unwrap(thrown); e != null && parts.size() < 4; e = e.getCause()) {
      String part = describeOne(e);
      if (parts.stream().noneMatch(p -> p.contains(part))) {
        parts.add(part);
      }
      if (e.getCause() == e) {
        break;
      }
    }
    return String.join(": ", parts);
  }

  private static String describeOne(Throwable e) {
    if (e instanceof FileSystemException fs) {
      String file = fs.getFile();
      // Their messages are the file's name alone.
      String what = e instanceof AccessDeniedException ? "permission denied"
          : e instanceof NoSuchFileException ? "no such file or directory"
          : e instanceof NotDirectoryException ? "not a directory"
          : e instanceof FileAlreadyExistsException ? "exists and is not a directory"
          : fs.getReason() == null ? e.getClass().getSimpleName() : fs.getReason();
      return file == null ? what : file + ": " + what;
    }
    String message = e.getMessage();
    if (message == null || message.isBlank()) {
      return e.getClass().getName();
    }
    String firstLine = message.strip().lines().findFirst().orElse("");
    // A library's own exception type says nothing to an operator; a JDK's bare message may need it.
    return e instanceof RuntimeException && !(e instanceof IllegalStateException)
        && e.getClass().getName().startsWith("java.") ? e.getClass().getSimpleName() + ": " + firstLine : firstLine;
  }

  private static Throwable unwrap(Throwable e) {
    while ((e instanceof CompletionException || e instanceof ExecutionException || e instanceof UncheckedIOException)
        && e.getCause() != null) {
      e = e.getCause();
    }
    return e;
  }
}
