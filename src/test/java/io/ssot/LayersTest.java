package io.ssot;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packages of the server form layers that only point down: each may use the packages listed
 * before it in {@link #BOTTOM_UP} and none after it, so no import runs up a layer and no two
 * packages need each other. The package-info of each package says why it sits where it does.
 * The client library sits just above the protocol (it knows nothing of the server), and the CLI
 * at the top, below only Main, using nothing of the server but the client library and the protocol.
 */
class LayersTest {

  /** From the bottom: the wire protocol and the settings, the store, ..., the routes, operations, the wiring. */
  static final List<String> BOTTOM_UP = List.of(
      "io.ssot.protocol", "io.ssot.client", "io.ssot.config", "io.ssot.store", "io.ssot.snapshot", "io.ssot.schema",
      "io.ssot.http", "io.ssot.limit", "io.ssot.security", "io.ssot.core", "io.ssot.persist", "io.ssot.cluster",
      "io.ssot.watch", "io.ssot.api", "io.ssot.ops", "io.ssot.console", "io.ssot.cli",
      "io.ssot");

  /** What the CLI may use of io.ssot: the client library and the protocol, as any client of the server. */
  static final List<String> CLI_USES = List.of("io.ssot.cli..", "io.ssot.client..", "io.ssot.protocol..");

  private static JavaClasses classes;

  @BeforeAll
  static void importServerClasses() {
    classes = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.ssot");
  }

  @Test
  void noPackageUsesOneAboveIt() {
    for (int i = 0; i < BOTTOM_UP.size() - 1; i++) {
      String[] above = BOTTOM_UP.subList(i + 1, BOTTOM_UP.size()).stream()
          .map(p -> p.equals("io.ssot") ? p : p + "..").toArray(String[]::new);
      noClasses().that().resideInAPackage(BOTTOM_UP.get(i) + "..")
          .should().dependOnClassesThat().resideInAnyPackage(above)
          .because(BOTTOM_UP.get(i) + " sits below " + Arrays.toString(above))
          .check(classes);
    }
  }

  @Test
  void theCliUsesOnlyTheClientLibraryAndTheProtocol() {
    noClasses().that().resideInAPackage("io.ssot.cli..")
        .should().dependOnClassesThat(JavaClass.Predicates.resideInAPackage("io.ssot..")
            .and(DescribedPredicate.not(JavaClass.Predicates.resideInAnyPackage(CLI_USES.toArray(String[]::new)))))
        .because("the CLI calls the server through the client library only")
        .check(classes);
  }

  @Test
  void packagesHaveNoCycles() {
    slices().matching("io.ssot.(*)..").should().beFreeOfCycles().check(classes);
  }
}
