package io.ssot.cli;

import io.ssot.client.SsotClient;
import io.ssot.client.WriteResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "rollback", description = "Writes the state KEY had at REVISION as a new revision (a delete if it was absent then).")
final class RollbackCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(index = "1", paramLabel = "REVISION")
  long toRevision;

  @Override
  int run(SsotClient client, Output out) {
    WriteResult r = client.rollback(key, toRevision);
    if (out.format == Output.Format.json) {
      out.json(r);
    } else if (out.format == Output.Format.raw) {
      out.line(Long.toString(r.revision()));
    } else {
      out.line("rolled " + key + " back to its state at revision " + toRevision + ": revision " + r.revision());
    }
    return ExitCodes.OK;
  }
}
