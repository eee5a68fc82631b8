package io.ssot.cli;

import io.ssot.client.HistoryItem;
import io.ssot.client.SsotClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "history", description = "A key's past versions, newest first.")
final class HistoryCommand extends ClientCommand {

  @Parameters(paramLabel = "KEY")
  String key;

  @Option(names = {"-n", "--limit"}, paramLabel = "N", description = "At most N versions (default 100; 0: all).")
  int limit = 100;

  @Override
  int run(SsotClient client, Output out) {
    if (limit < 0) {
      throw new UsageException("--limit must be 0 (all) or more");
    }
    List<HistoryItem> items = client.history(key, limit);
    switch (out.format) {
      case json -> out.json(items);
      case raw -> items.forEach(i -> out.line(i.revision() + "\t" + (i.deleted() ? "deleted" : Output.value(i.value()))));
      case table -> {
        List<List<String>> rows = new ArrayList<>();
        for (HistoryItem i : items) {
          rows.add(List.of(Long.toString(i.revision()), i.deleted() ? "delete" : "put", i.updatedAt(), i.updatedBy(),
              Output.value(i.value())));
        }
        out.table(List.of("REVISION", "TYPE", "UPDATED", "BY", "VALUE"), rows);
      }
    }
    return ExitCodes.OK;
  }
}
