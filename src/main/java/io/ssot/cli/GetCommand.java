package io.ssot.cli;

import io.ssot.client.Entry;
import io.ssot.client.SsotClient;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "Prints a key's value and metadata (raw: the value bytes as stored). Exit 3 if absent.")
final class GetCommand extends ClientCommand {

  @Parameters(paramLabel = "KEY")
  String key;

  @Override
  int run(SsotClient client, Output out) {
    if (out.format == Output.Format.raw) {
      out.bytes(client.getRaw(key).orElseThrow(() -> notFound(key)));
      return ExitCodes.OK;
    }
    Entry e = client.get(key).orElseThrow(() -> notFound(key));
    if (out.format == Output.Format.json) {
      out.json(e);
    } else {
      out.table(List.of("KEY", "REVISION", "VERSION", "UPDATED", "BY", "VALUE"),
          List.of(List.of(e.key(), Long.toString(e.revision()), Long.toString(e.version()), e.updatedAt(),
              e.updatedBy(), Output.value(e.value()))));
    }
    return ExitCodes.OK;
  }

  static NotFoundException notFound(String what) {
    return new NotFoundException(what + " does not exist");
  }
}
