package io.ssot.docker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The samples of a Prometheus text exposition (as /metrics answers it), by sample name: the
 * names a query selects ({@code _total}, {@code _bucket}, {@code _count}, ... included), each
 * with the label sets it was exported with.
 */
final class Exposition {

  private static final Pattern SAMPLE = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)(?:\\{(.*)})?\\s+\\S+.*");
  private static final Pattern LABEL = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final Map<String, List<Map<String, String>>> samples = new HashMap<>();

  Exposition(String text) {
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a sample line: " + line);
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
    }
  }

  boolean has(String name) {
    return samples.containsKey(name);
  }

  int names() {
    return samples.size();
  }

  /** The label sets {@code name} was exported with (empty when it was not). */
  List<Map<String, String>> labelSets(String name) {
    return samples.getOrDefault(name, List.of());
  }
}
