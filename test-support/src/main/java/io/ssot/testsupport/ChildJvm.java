package io.ssot.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of a test's child JVM that runs {@code io.ssot.Main} from the test's class path. */
public final class ChildJvm {

  private ChildJvm() {
  }

  /**
   * {@code java <ssot.jvm.flags> <jvmOptions> -cp <this JVM's class path> io.ssot.Main}: the same
   * java as this JVM, with the module openings the jar's manifest gives (the build passes them as
   * the system property {@code ssot.jvm.flags}); the caller appends Main's arguments.
   */
  public static List<String> mainCommand(String... jvmOptions) {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    for (String flag : System.getProperty("ssot.jvm.flags", "").split(" ")) {
      if (!flag.isBlank()) {
        command.add(flag);
      }
    }
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.ssot.Main"));
    return command;
  }
}
