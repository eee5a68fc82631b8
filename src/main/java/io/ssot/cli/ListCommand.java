package io.ssot.cli;

import io.ssot.client.Entry;
import io.ssot.client.Listing;
import io.ssot.client.SsotClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "list", description = "Lists every key under PREFIX (all pages; default: all keys). raw: KEY<TAB>VALUE lines.")
final class ListCommand extends ClientCommand {

  @Parameters(arity = "0..1", paramLabel = "PREFIX")
  String prefix = "";

  @Override
  int run(SsotClient client, Output out) {
    Listing listing = client.list(prefix);
    switch (out.format) {
      case json -> out.json(listing);
      case raw -> listing.entries().forEach(e -> out.line(e.key() + "\t" + Output.value(e.value())));
      case table -> {
        List<List<String>> rows = new ArrayList<>();
        for (Entry e : listing.entries()) {
          rows.add(List.of(e.key(), Long.toString(e.revision()), Long.toString(e.version()), Output.value(e.value())));
        }
        out.table(List.of("KEY", "REVISION", "VERSION", "VALUE"), rows);
      }
    }
    return ExitCodes.OK;
  }
}
