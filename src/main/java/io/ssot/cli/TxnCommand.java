package io.ssot.cli;

import io.ssot.client.SsotClient;
import io.ssot.client.TxnResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "txn", description = {"Runs the transaction in FILE (- for standard input):",
    "{\"compare\":[{\"key\":K,\"revision\":R}|{\"key\":K,\"exists\":B}], \"success\":[ops], \"failure\":[ops]},",
    "ops {\"op\":\"put\",\"key\":K,\"value\":V}, {\"op\":\"delete\",\"key\":K}, {\"op\":\"get\",\"key\":K}.",
    "Exit 4 when the compares did not hold (the failure branch ran)."})
final class TxnCommand extends ClientCommand {

  @Parameters(paramLabel = "FILE")
  String file;

  @Override
  int run(SsotClient client, Output out) {
    TxnResult r;
    try {
      r = client.txnJson(Input.read(file));
    } catch (IllegalArgumentException notJson) {
      throw new UsageException(file + " is " + notJson.getMessage());
    }
    if (out.format == Output.Format.table) {
      out.line((r.succeeded() ? "succeeded" : "compares failed") + " at revision " + r.revision());
      r.results().forEach(n -> out.line("  " + Output.compact(n)));
    } else {
      out.json(r);
    }
    return r.succeeded() ? ExitCodes.OK : ExitCodes.CONFLICT;
  }
}
