package io.ssot;

import io.ssot.cli.Cli;
import io.ssot.config.Config;
import io.ssot.config.StartupFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code java -jar ssot.jar [--config FILE]}: runs the server until SIGTERM or SIGINT.
 * {@code java -jar ssot.jar cli COMMAND ...} runs the command-line client instead ({@link Cli}).
 */
@Command(name = "ssot", mixinStandardHelpOptions = true, version = "ssot 0.1.0",
    description = {"Configuration single source of truth: HTTP/1.1 and HTTP/2 reads, watches, revisioned writes.",
        "The command-line client: java -jar ssot.jar cli --help"})
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
    if (args.length > 0 && args[0].equals("cli")) {
      System.exit(Cli.run(new ServerSnapshots(), Arrays.copyOfRange(args, 1, args.length)));
    }
    System.exit(new CommandLine(new Main()).execute(args));
  }

  /**
   * Exit codes: 0 after an orderly stop; on a start-up failure, one line {@code Cannot start: ...}
   * on stderr and {@link StartupFailure#CONFIGURATION 2} for a configuration error, {@link
   * StartupFailure#ENVIRONMENT 1} otherwise (the stack trace is logged at debug level).
   */
  @Override
  public Integer call() throws Exception {
    // SIGTERM and SIGINT ask for an orderly stop and exit 0; left to the JVM they would run the
    // shutdown hooks and exit 143 or 130. Handled before start-up, so a signal during a long
    // recovery stops the server as soon as it is up, cleanly.
    CompletableFuture<Void> stopRequested = new CompletableFuture<>();
    for (String name : List.of("TERM", "INT")) {
      Signal.handle(new Signal(name), signal -> stopRequested.complete(null));
    }
    Config settings;
    try {
      settings = Config.load(configFile(), System.getenv());
    } catch (Exception e) {
      return cannotStart(e);
    }
    AtomicReference<SsotServer> running = new AtomicReference<>();
    // Any other way out of the JVM still stops the server in order.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      SsotServer server = running.get();
      if (server != null) {
        server.stop();
      }
    }, "ssot-shutdown"));
    while (true) {
      SsotServer server;
      try {
        server = SsotServer.start(settings);
      } catch (Exception | LinkageError e) {
        return cannotStart(e);
      }
      running.set(server);
      CompletableFuture.anyOf(stopRequested, server.rebuildNeeded()).join();
      if (stopRequested.isDone()) {
        server.stop();
        return 0;
      }
      // A cluster node whose store diverged from PostgreSQL's history: a new start saves what only
      // it holds aside and rebuilds from PostgreSQL, as after a crash. Nothing it held is served again.
      LoggerFactory.getLogger(Main.class).warn("Restarting to rebuild the store from PostgreSQL ({})",
          server.rebuildNeeded().join());
      server.stopToRebuild();
    }
  }

  private static int cannotStart(Throwable e) {
    StartupFailure failure = StartupFailure.of(e);
    System.err.println("Cannot start: " + failure.oneLine());
    LoggerFactory.getLogger(Main.class).debug("Start-up failed", e);
    return failure.exitCode();
  }

  /** --config, else $SSOT_CONFIG, else conf/ssot.yaml if present, else none (defaults and environment only). */
  private Path configFile() {
    if (config != null) {
      return existing(config, "--config");
    }
    String fromEnv = System.getenv("SSOT_CONFIG");
    if (fromEnv != null) {
      return existing(Path.of(fromEnv), "SSOT_CONFIG");
    }
    Path conventional = Path.of("conf", "ssot.yaml");
    return Files.exists(conventional) ? conventional : null;
  }

  private static Path existing(Path file, String source) {
    if (!Files.isRegularFile(file)) {
      throw StartupFailure.configuration(source + " " + file + ": the configuration file " + file.toAbsolutePath()
          + (Files.exists(file) ? " is not a regular file" : " does not exist"));
    }
    return file;
  }
}
