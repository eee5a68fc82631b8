package io.ssot.cli;

import io.ssot.client.SsotClient;
import io.ssot.client.WriteOptions;
import io.ssot.client.WriteResult;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "put", description = "Writes a JSON value: from the argument, --file FILE, or standard input (- or --file -).")
final class PutCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "JSON text; - reads standard input.")
  String value;

  @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the value from FILE (- for standard input).")
  String file;

  @ArgGroup(exclusive = true)
  Precondition precondition;

  static final class Precondition {
    @Option(names = "--if-match", paramLabel = "REVISION", description = "Only if the key's revision is REVISION (else exit 4).")
    Long ifMatch;

    @Option(names = "--if-absent", description = "Only if the key does not exist (else exit 4).")
    boolean ifAbsent;
  }

  @Override
  int run(SsotClient client, Output out) {
    if ((value == null) == (file == null)) {
      throw new UsageException("give the value as an argument or with --file, not " + (value == null ? "neither" : "both"));
    }
    String json = value != null && !"-".equals(value) ? value : Input.read(file != null ? file : "-");
    WriteOptions options = precondition == null ? WriteOptions.none()
        : precondition.ifAbsent ? WriteOptions.ifAbsent() : WriteOptions.ifMatch(precondition.ifMatch);
    WriteResult r;
    try {
      r = client.putJson(key, json.strip(), options);
    } catch (IllegalArgumentException notJson) {
      throw new UsageException("the value of " + key + " is " + notJson.getMessage());
    }
    if (out.format == Output.Format.json) {
      out.json(r);
    } else if (out.format == Output.Format.raw) {
      out.line(Long.toString(r.revision()));
    } else {
      out.line((r.created() ? "created " : "updated ") + key + " at revision " + r.revision());
    }
    return ExitCodes.OK;
  }
}
