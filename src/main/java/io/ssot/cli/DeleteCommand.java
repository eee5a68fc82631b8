package io.ssot.cli;

import io.ssot.client.SsotClient;
import io.ssot.client.WriteOptions;
import io.ssot.client.WriteResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", description = "Deletes a key. Exit 3 if absent.")
final class DeleteCommand extends ClientCommand {

  @Parameters(paramLabel = "KEY")
  String key;

  @Option(names = "--if-match", paramLabel = "REVISION", description = "Only if the key's revision is REVISION (else exit 4).")
  Long ifMatch;

  @Override
  int run(SsotClient client, Output out) {
    WriteResult r = client.delete(key, ifMatch == null ? WriteOptions.none() : WriteOptions.ifMatch(ifMatch));
    if (out.format == Output.Format.json) {
      out.json(r);
    } else if (out.format == Output.Format.raw) {
      out.line(Long.toString(r.revision()));
    } else {
      out.line("deleted " + key + " at revision " + r.revision());
    }
    return ExitCodes.OK;
  }
}
