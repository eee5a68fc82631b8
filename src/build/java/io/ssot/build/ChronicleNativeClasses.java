package io.ssot.build;

import java.io.File;
import java.lang.reflect.Method;
import net.openhft.chronicle.hash.VanillaGlobalMutableState;
import net.openhft.chronicle.values.ValueModel;
import net.openhft.compiler.CachedCompiler;

/**
 * Build step: generates and compiles the off-heap class Chronicle Values would otherwise write
 * and compile with javac at run time, each time a map is opened in a new JVM. Shipped in the jar,
 * it is found on the class path instead, and start-up is about a second shorter. (Chronicle still
 * needs the jdk.compiler module present at run time: run on a JDK, not a bare JRE.)
 *
 * <p>{@code java io.ssot.build.ChronicleNativeClasses <classes dir>}
 */
public final class ChronicleNativeClasses {

  public static void main(String[] args) throws Exception {
    File classes = new File(args[0]);
    Class<?> valueType = VanillaGlobalMutableState.class;
    ValueModel model = ValueModel.acquire(valueType);
    String simpleName = valueType.getSimpleName() + ValueModel.$$NATIVE;
    Method generate = Class.forName("net.openhft.chronicle.values.Generators")
        .getDeclaredMethod("generateNativeClass", ValueModel.class, String.class);
    generate.setAccessible(true);
    String source = (String) generate.invoke(null, model, simpleName);
    String className = valueType.getPackageName() + "." + simpleName;
    try (CachedCompiler compiler = new CachedCompiler(null, classes)) {
      compiler.loadFromJava(ChronicleNativeClasses.class.getClassLoader(), className, source);
    }
    File written = new File(classes, className.replace('.', '/') + ".class");
    if (!written.isFile()) {
      throw new IllegalStateException("expected " + written);
    }
    System.out.println("Generated " + written);
  }
}
