package io.ssot.cli;

import java.io.PrintStream;

/**
 * A progress bar on stderr, drawn only when stderr is a terminal (a console is attached): piped
 * or redirected output, and so scripts and logs, get none of it.
 */
final class Progress {

  private static final int WIDTH = 30;

  private final PrintStream err;
  private final String what;
  private final long total;
  /** The last percentage (or MiB count) drawn: a redraw only when it changes. */
  private int lastDrawn = -1;

  private Progress(PrintStream err, String what, long total) {
    this.err = err;
    this.what = what;
    this.total = total;
  }

  /** A count of bytes for work whose size is not known beforehand (a streamed download). */
  static Progress ofBytes(String what) {
    return new Progress(System.console() != null ? System.err : null, what, 0);
  }

  /** A bar for {@code total} steps; a silent one when there is no terminal. */
  static Progress of(String what, long total) {
    return new Progress(System.console() != null ? System.err : null, what, Math.max(1, total));
  }

  void update(long done) {
    if (err == null) {
      return;
    }
    if (total == 0) {
      long mib = done >> 20;
      if (mib != lastDrawn) {
        lastDrawn = (int) mib;
        err.print("\r" + what + " " + mib + " MiB");
        err.flush();
      }
      return;
    }
    int filled = (int) (WIDTH * Math.min(done, total) / total);
    int percent = (int) (100 * Math.min(done, total) / total);
    if (percent == lastDrawn) {
      return;
    }
    lastDrawn = percent;
    err.print("\r" + what + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] " + done + "/" + total);
    err.flush();
  }

  void done() {
    if (err != null) {
      err.println();
    }
  }
}
