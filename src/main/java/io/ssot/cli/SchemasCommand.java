package io.ssot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.client.SsotClient;
import io.ssot.client.WriteResult;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "schemas", description = "JSON Schemas (draft 2020-12) on key prefixes (admin): set, get, list, delete.")
final class SchemasCommand {

  @Spec
  CommandSpec spec;

  @Command(name = "set", description = "Sets the schema in FILE (- for standard input) on PREFIX.")
  int set(@Parameters(index = "0", paramLabel = "PREFIX") String prefix,
          @Parameters(index = "1", paramLabel = "FILE") String file) {
    WriteResult r;
    try {
      r = client().putSchema(prefix, Input.read(file).strip());
    } catch (IllegalArgumentException notJson) {
      throw new UsageException(file + " is " + notJson.getMessage());
    }
    out().line((r.created() ? "set" : "replaced") + " the schema on " + prefix + " at revision " + r.revision());
    return ExitCodes.OK;
  }

  @Command(name = "get", description = "Prints the schema on PREFIX (raw: the schema alone). Exit 3 if none.")
  int get(@Parameters(paramLabel = "PREFIX") String prefix) {
    JsonNode s = client().schema(prefix).orElseThrow(() -> GetCommand.notFound("a schema on " + prefix));
    Output out = out();
    out.json(out.format == Output.Format.json ? s : s.path("schema"));
    return ExitCodes.OK;
  }

  @Command(name = "list", description = "Lists the schemas in force by prefix.")
  int list() {
    List<JsonNode> schemas = client().schemas();
    Output out = out();
    if (out.format == Output.Format.table) {
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : schemas) {
        rows.add(List.of(s.path("prefix").asText(), s.path("revision").asText(), s.path("updatedAt").asText(),
            Output.compact(s.path("schema"))));
      }
      out.table(List.of("PREFIX", "REVISION", "UPDATED", "SCHEMA"), rows);
    } else {
      out.json(schemas);
    }
    return ExitCodes.OK;
  }

  @Command(name = "delete", description = "Removes the schema on PREFIX. Exit 3 if none.")
  int delete(@Parameters(paramLabel = "PREFIX") String prefix) {
    long revision = client().deleteSchema(prefix);
    out().line("deleted the schema on " + prefix + " at revision " + revision);
    return ExitCodes.OK;
  }

  private SsotClient client() {
    return ((Cli) spec.root().userObject()).client();
  }

  private Output out() {
    return ((Cli) spec.root().userObject()).output();
  }
}
