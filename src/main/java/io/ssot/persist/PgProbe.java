package io.ssot.persist;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Whether PostgreSQL answers now, for {@code /health/ready}: a {@code SELECT 1} every half
 * {@code pg.healthTimeout} on a connection of its own, and PostgreSQL counts as answering while
 * its last answer is younger than that timeout.
 *
 * <p>The write-behind's circuit alone cannot tell: it sees nothing while no revision is pending,
 * and a PostgreSQL that accepts connections but never answers (a partition, a stalled server)
 * fails a batch only after {@code pg.syncTimeout}, three times before the circuit opens. A probe
 * that has not answered within the timeout closes its connection, so a stalled socket is not
 * reused, and a later probe connects afresh.
 */
public final class PgProbe {

  private final Vertx vertx;
  private final Context context;
  private final PgConnectOptions options;
  private final long timeoutMillis;
  private final long timer;
  private volatile long lastAnswerNanos;
  /** Touched on {@link #context} only. */
  private PgConnection connection;
  private boolean connecting;
  private boolean inFlight;
  private boolean stopped;

  /** Starts probing; PostgreSQL counts as answering until the first timeout (start-up has just reached it). */
  PgProbe(Vertx vertx, PgConnectOptions options, Duration timeout) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.timeoutMillis = timeout.toMillis();
    this.options = options;
    this.lastAnswerNanos = System.nanoTime();
    this.timer = vertx.setPeriodic(Math.max(1, timeoutMillis / 2), id -> context.runOnContext(v -> probe()));
  }

  private void probe() {
    if (inFlight || stopped) {
      return; // the one in flight times out by itself
    }
    if (connection == null) {
      connect();
      return;
    }
    inFlight = true;
    connection.query("SELECT 1").execute()
        .timeout(timeoutMillis, TimeUnit.MILLISECONDS)
        .onComplete(ar -> context.runOnContext(v -> {
          inFlight = false;
          if (ar.succeeded()) {
            lastAnswerNanos = System.nanoTime();
          } else {
            closeConnection();
          }
        }));
  }

  /**
   * One connection attempt at a time: against a server that accepts and then says nothing it may
   * hang for as long as the partition lasts, and meanwhile the time since the last answer grows.
   */
  private void connect() {
    if (connecting) {
      return;
    }
    connecting = true;
    PgConnection.connect(vertx, options).onComplete(ar -> context.runOnContext(v -> {
      connecting = false;
      if (ar.succeeded()) {
        connection = ar.result();
        if (stopped) {
          closeConnection();
        } else {
          probe();
        }
      }
    }));
  }

  private void closeConnection() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  /** Whether PostgreSQL has answered within the timeout. */
  public boolean answering() {
    return millisSinceAnswer() <= timeoutMillis;
  }

  /** Time since PostgreSQL last answered a probe (or since start-up). */
  public long millisSinceAnswer() {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastAnswerNanos);
  }

  void stop() {
    vertx.cancelTimer(timer);
    context.runOnContext(v -> {
      stopped = true;
      closeConnection();
    });
  }
}
