package io.ssot;

import io.ssot.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code java -jar ssot.jar [--config FILE]}: runs the server until SIGTERM or SIGINT. */
@Command(name = "ssot", mixinStandardHelpOptions = true, version = "ssot 0.1.0",
    description = "Configuration single source of truth: HTTP/1.1 and HTTP/2 reads, watches, revisioned writes.")
public final class Main implements Callable<Integer> {

  static {
    // Before any Chronicle class loads: nothing phones home, and no banner asking for an e-mail.
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
  }

  @Option(names = {"-c", "--config"}, paramLabel = "FILE",
      description = "Configuration file (YAML or JSON). Default: $SSOT_CONFIG, else conf/ssot.yaml if present.")
  private Path config;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Logger log = LoggerFactory.getLogger(Main.class);
    Path file = config;
    if (file == null && System.getenv("SSOT_CONFIG") != null) {
      file = Path.of(System.getenv("SSOT_CONFIG"));
    }
    if (file == null && Files.exists(Path.of("conf", "ssot.yaml"))) {
      file = Path.of("conf", "ssot.yaml");
    }
    Config resolved;
    try {
      resolved = Config.load(file, System.getenv());
    } catch (IllegalArgumentException e) {
      log.error("Invalid configuration: {}", e.getMessage());
      return 2;
    }
    // SIGTERM and SIGINT ask for an orderly stop and exit 0; left to the JVM they would run the
    // shutdown hooks and exit 143 or 130. Handled before start-up, so a signal during a long
    // recovery stops the server as soon as it is up, cleanly.
    CountDownLatch stopRequested = new CountDownLatch(1);
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(new Signal(name), signal -> stopRequested.countDown());
    }
    SsotServer server;
    try {
      server = SsotServer.start(resolved);
    } catch (IllegalArgumentException e) {
      log.error("Cannot start: {}", e.getMessage());
      return 2;
    }
    // Any other way out of the JVM still stops the server in order.
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "ssot-shutdown"));
    stopRequested.await();
    server.stop();
    return 0;
  }
}
