package io.ssot.cli;

import io.ssot.client.SsotClient;
import io.ssot.client.SsotException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code ssot} ({@code java -jar ssot.jar cli ...}): the root command, its global options and the
 * one place where failures become messages and exit codes.
 */
@Command(name = "ssot", mixinStandardHelpOptions = true, version = "ssot 0.1.0",
    description = "The ssot command-line client (java -jar ssot.jar cli ..., or bin/ssot). Endpoint and token: "
        + "--url/--token, else $SSOTCTL_URL/$SSOTCTL_TOKEN, else the profile file ~/.config/ssot/config "
        + "($SSOTCTL_CONFIG; url=... and token=... lines, mode 600).",
    footer = ExitCodes.HELP,
    subcommands = {GetCommand.class, PutCommand.class, DeleteCommand.class, ListCommand.class,
        WatchCommand.class, HistoryCommand.class, RollbackCommand.class, TxnCommand.class,
        TokensCommand.class, SchemasCommand.class, SnapshotCommand.class, DiffCommand.class, ApplyCommand.class,
        ClusterCommand.class})
public final class Cli {

  static final String DEFAULT_URL = "http://127.0.0.1:8080";

  @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
      description = "Server base URL; several, comma-separated, fail over in order. Default: $SSOTCTL_URL, "
          + "the profile's url, else " + DEFAULT_URL + ".")
  String url;

  @Option(names = "--token", scope = ScopeType.INHERIT, paramLabel = "TOKEN",
      description = "Bearer token. Default: $SSOTCTL_TOKEN, else the profile's token.")
  String token;

  @Option(names = {"-o", "--output"}, scope = ScopeType.INHERIT, paramLabel = "FORMAT",
      description = "table (default), json or raw (values alone).")
  Output.Format output = Output.Format.table;

  @Option(names = "--timeout", scope = ScopeType.INHERIT, paramLabel = "SECONDS",
      description = "How long a call may keep retrying an unavailable server (default 5).")
  int timeoutSeconds = 5;

  private final Map<String, String> env;
  private final OfflineSnapshots snapshots;
  private SsotClient client;

  private Cli(Map<String, String> env, OfflineSnapshots snapshots) {
    this.env = env;
    this.snapshots = snapshots;
  }

  /** Runs the command line with {@code snapshots} for the work on snapshot files; returns its exit code. */
  public static int run(OfflineSnapshots snapshots, String... args) {
    Cli cli = new Cli(System.getenv(), snapshots);
    CommandLine line = new CommandLine(cli).setCaseInsensitiveEnumValuesAllowed(true);
    line.setOut(new PrintWriter(System.out, true, StandardCharsets.UTF_8));
    line.setExecutionExceptionHandler((e, cmd, parsed) -> failed(e, cmd));
    try {
      return line.execute(args);
    } finally {
      if (cli.client != null) {
        cli.client.close();
      }
    }
  }

  private static int failed(Exception e, CommandLine cmd) {
    PrintWriter err = cmd.getErr();
    if (e instanceof SsotException s) {
      err.println("ssot: " + (s.status() == 0 ? "the server did not answer: " : "") + s.getMessage());
      return ExitCodes.of(s);
    }
    err.println("ssot: " + (e.getMessage() != null ? e.getMessage() : e.toString()));
    if (e instanceof UsageException || e instanceof IllegalArgumentException) {
      return ExitCodes.USAGE;
    }
    if (e instanceof NotFoundException) {
      return ExitCodes.NOT_FOUND;
    }
    return e instanceof ConflictException ? ExitCodes.CONFLICT : ExitCodes.OTHER;
  }

  /** The client, made on first use from the options, the environment or the profile file (read only if needed). */
  SsotClient client() {
    if (client == null) {
      if (timeoutSeconds < 0) {
        throw new UsageException("--timeout is 0 or more seconds");
      }
      String u = first(url, env.get("SSOTCTL_URL"));
      String t = first(token, env.get("SSOTCTL_TOKEN"));
      if (u == null || t == null) {
        Map<String, String> profile = Profile.read(Profile.location(env));
        u = first(u, profile.get("url"));
        t = first(t, profile.get("token"));
      }
      client = SsotClient.builder()
          .endpoints(first(u, DEFAULT_URL).split(","))
          .token(t)
          .application("ssot-cli")
          .retryBudget(Duration.ofSeconds(timeoutSeconds))
          .requestTimeout(Duration.ofSeconds(Math.max(30, timeoutSeconds)))
          .build();
    }
    return client;
  }

  OfflineSnapshots snapshots() {
    return snapshots;
  }

  Output output() {
    return new Output(output);
  }

  private static String first(String a, String b) {
    return a != null && !a.isBlank() ? a : b;
  }
}
