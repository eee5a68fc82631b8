package io.ssot;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link TestServer} (a free loopback port, its own temporary data directory, the given
 * settings), a Vert.x instance and an admin {@link Http} client on it, all closed afterwards.
 * On a static field the server serves the whole class; on an instance field each test gets its
 * own:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ServerExtension server = ServerExtension.builder().setting("auth.maxFailuresPerMinute", "0").build();
 * ... server.http().put("/v1/kv/a", "1") ...
 * }</pre>
 *
 * With {@link Builder#postgres()} each server also gets a fresh PostgreSQL database ({@link #db()})
 * as its {@code pg.url}, and with {@link Builder#postgresThroughProxy()} reaches it through a
 * {@link TcpProxy} ({@link #proxy()}) that a test can cut; both are dropped after the server stops.
 */
public final class ServerExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
    AfterEachCallback {

  private enum Postgres { NONE, DIRECT, THROUGH_PROXY }

  private final Map<String, String> settings;
  private final Postgres postgres;
  /** Whether it was registered on a static field: started before all tests, closed after all. */
  private boolean perClass;
  private PgTestDatabase db;
  private TcpProxy proxy;
  private TestServer server;
  private Vertx vertx;
  private Http http;

  private ServerExtension(Map<String, String> settings, Postgres postgres) {
    this.settings = Map.copyOf(settings);
    this.postgres = postgres;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** What the server starts with. */
  public static final class Builder {

    private final Map<String, String> settings = new HashMap<>();
    private Postgres postgres = Postgres.NONE;

    private Builder() {
    }

    /** A setting by its dotted name, on top of {@link TestServer}'s small sizing. */
    public Builder setting(String name, String value) {
      settings.put(name, value);
      return this;
    }

    public Builder settings(Map<String, String> more) {
      settings.putAll(more);
      return this;
    }

    /** A fresh PostgreSQL database per server, as its {@code pg.url}. */
    public Builder postgres() {
      postgres = Postgres.DIRECT;
      return this;
    }

    /** As {@link #postgres()}, reached through a {@link TcpProxy}. */
    public Builder postgresThroughProxy() {
      postgres = Postgres.THROUGH_PROXY;
      return this;
    }

    public ServerExtension build() {
      return new ServerExtension(settings, postgres);
    }
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      close();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  private void start() throws IOException {
    try {
      Map<String, String> all = new HashMap<>(settings);
      if (postgres != Postgres.NONE) {
        db = PgTestDatabase.create();
        if (postgres == Postgres.THROUGH_PROXY) {
          proxy = new TcpProxy(PgTestDatabase.PORT);
        }
        all.put("pg.url", proxy == null ? db.url() : db.url(proxy.port()));
      }
      server = TestServer.start(all);
      vertx = Vertx.vertx();
      http = new Http(vertx, server.port());
    } catch (IOException | RuntimeException e) {
      try {
        close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** Closes what was started, in reverse order; every step runs even if one before it fails. */
  private void close() throws Exception {
    List<AutoCloseable> steps = new ArrayList<>();
    if (http != null) {
      steps.add(http);
    }
    if (vertx != null) {
      Vertx v = vertx;
      steps.add(() -> v.close().await());
    }
    if (server != null) {
      steps.add(server);
    }
    if (proxy != null) {
      steps.add(proxy);
    }
    if (db != null) {
      steps.add(db);
    }
    http = null;
    vertx = null;
    server = null;
    proxy = null;
    db = null;
    Exception first = null;
    for (AutoCloseable step : steps) {
      try {
        step.close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static <T> T started(T part, String what) {
    if (part == null) {
      throw new IllegalStateException("no " + what + ": the server is not started (register the extension on a field)");
    }
    return part;
  }

  public TestServer testServer() {
    return started(server, "server");
  }

  public SsotServer server() {
    return testServer().server();
  }

  public int port() {
    return testServer().port();
  }

  public Path dataDir() {
    return testServer().dataDir;
  }

  /** Restarts the server on the same data directory (and database); {@link #http()} follows it to its new port. */
  public void restart() throws IOException {
    testServer().restart();
    http.close();
    http = new Http(vertx, server.port());
  }

  /** Stops the server; {@link #restart()} starts it again. */
  public void stop() {
    testServer().stop();
  }

  public Vertx vertx() {
    return started(vertx, "Vert.x");
  }

  /** A client sending the suite's admin token; {@link Http#as} and {@link Http#anonymous} share its pool. */
  public Http http() {
    return started(http, "client");
  }

  public PgTestDatabase db() {
    return started(db, "database (build it with postgres())");
  }

  public TcpProxy proxy() {
    return started(proxy, "proxy (build it with postgresThroughProxy())");
  }
}
