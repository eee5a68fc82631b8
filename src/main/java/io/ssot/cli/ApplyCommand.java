package io.ssot.cli;

import io.ssot.client.SsotClient;
import io.ssot.client.TxnResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Makes the keys under a prefix equal the files of a directory in one transaction. Every key it
 * writes or deletes is guarded by the revision the diff saw (or its absence), so a change made
 * by someone else between the diff and the commit fails the whole apply (exit 4) instead of
 * being overwritten.
 */
@Command(name = "apply", description = {"Makes the keys under PREFIX equal the files of DIR (see diff), in one "
    + "transaction guarded by the revisions the diff saw: if any of those keys changed meanwhile, nothing is "
    + "written and the exit code is 4.", "Shows the diff and asks for confirmation on standard input unless --yes."})
final class ApplyCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "DIR")
  Path dir;

  @Parameters(index = "1", paramLabel = "PREFIX")
  String prefix;

  @Option(names = {"-y", "--yes"}, description = "Apply without asking.")
  boolean yes;

  @Override
  int run(SsotClient client, Output out) throws IOException {
    String p = Plan.normalize(prefix);
    Plan plan = Plan.of(p, client.list(p), FileTree.read(dir, p));
    plan.print(out);
    if (plan.changes().isEmpty()) {
      return ExitCodes.OK;
    }
    if (!yes && !confirmed(plan)) {
      System.err.println("ssot: nothing applied");
      return ExitCodes.OTHER;
    }
    Progress progress = Progress.of("applying", 1);
    TxnResult result = client.txn(plan.txn());
    progress.update(1);
    progress.done();
    if (!result.succeeded()) {
      List<String> moved = plan.moved(result.results());
      throw new ConflictException("nothing applied: " + (moved.isEmpty() ? "keys under " + p : String.join(", ", moved))
          + " changed since the diff (now at revision " + result.revision() + "); run diff again");
    }
    if (out.format == Output.Format.json) {
      out.json(result);
    } else {
      out.line("applied " + plan.changes().size() + " changes at revision " + result.revision());
    }
    return ExitCodes.OK;
  }

  private static boolean confirmed(Plan plan) throws IOException {
    System.err.print("apply these " + plan.changes().size() + " changes? [y/N] ");
    System.err.flush();
    String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
  }
}
