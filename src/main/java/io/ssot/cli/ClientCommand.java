package io.ssot.cli;

import io.ssot.client.SsotClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that calls the server: the root's client and output, its exit code from {@link #run}. */
abstract class ClientCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    Cli root = (Cli) spec.root().userObject();
    return run(root.client(), root.output());
  }

  abstract int run(SsotClient client, Output out) throws Exception;
}
