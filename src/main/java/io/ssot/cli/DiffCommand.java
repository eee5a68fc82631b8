package io.ssot.cli;

import io.ssot.client.SsotClient;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "diff", description = {"Shows what apply would change: the keys under PREFIX against the .json/.yaml/.yml "
    + "files of DIR (DIR/a/b.yaml is the key PREFIX/a/b).", "+ to add, ~ to change, - to remove (no file for it). Exit 0 either way."})
final class DiffCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "DIR")
  Path dir;

  @Parameters(index = "1", paramLabel = "PREFIX")
  String prefix;

  @Override
  int run(SsotClient client, Output out) {
    String p = Plan.normalize(prefix);
    Plan plan = Plan.of(p, client.list(p), FileTree.read(dir, p));
    plan.print(out);
    return ExitCodes.OK;
  }
}
