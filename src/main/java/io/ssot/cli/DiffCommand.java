package io.ssot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.client.SsotClient;
import io.ssot.client.SsotException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "diff", description = {"Shows what apply would change: the keys under PREFIX against the .json/.yaml/.yml "
    + "files of DIR (DIR/a/b.yaml is the key PREFIX/a/b).", "+ to add, ~ to change, - to remove (no file for it). Exit 0 either way.",
    "With --pg instead: the keys whose state differs between the store and PostgreSQL (exit 4 if any)."})
final class DiffCommand extends ClientCommand {

  @Parameters(index = "0", arity = "0..1", paramLabel = "DIR")
  Path dir;

  @Parameters(index = "1", arity = "0..1", paramLabel = "PREFIX")
  String prefix;

  @Option(names = "--pg", description = "Compare the store with PostgreSQL (a server with pg.url; admin). Changes nothing.")
  boolean pg;

  @Override
  int run(SsotClient client, Output out) {
    if (pg) {
      if (dir != null) {
        throw new UsageException("diff --pg takes no DIR or PREFIX");
      }
      return pgDrift(client, out);
    }
    if (dir == null || prefix == null) {
      throw new UsageException("diff needs DIR and PREFIX (or --pg)");
    }
    String p = Plan.normalize(prefix);
    Plan plan = Plan.of(p, client.list(p), FileTree.read(dir, p));
    plan.print(out);
    return ExitCodes.OK;
  }

  private static int pgDrift(SsotClient client, Output out) {
    JsonNode drift;
    try {
      drift = client.pgDrift();
    } catch (SsotException e) {
      if (e.status() == 404) {
        throw new NotFoundException("the server has no PostgreSQL to compare with (no /v1/pg/drift)");
      }
      throw e;
    }
    long drifted = drift.path("drifted").asLong();
    if (out.format == Output.Format.table) {
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode k : drift.path("keys")) {
        rows.add(List.of(k.path("key").asText(), revision(k.path("storeRevision")), revision(k.path("pgRevision"))));
      }
      if (!rows.isEmpty()) {
        out.table(List.of("KEY", "STORE", "POSTGRESQL"), rows);
      }
      out.line(drifted + " keys differ between the store and PostgreSQL at revision " + drift.path("revision").asLong()
          + (drift.path("truncated").asBoolean() ? " (the first " + rows.size() + " shown)" : ""));
    } else {
      out.json(drift);
    }
    return drifted == 0 ? ExitCodes.OK : ExitCodes.CONFLICT;
  }

  private static String revision(JsonNode n) {
    return n.isNull() || n.isMissingNode() ? "absent" : n.asText();
  }
}
