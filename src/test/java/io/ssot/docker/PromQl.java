package io.ssot.docker;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Enough PromQL for a dashboard's queries: the metric names an expression reads and the label
 * matchers written after them. Strings, label matchers, range brackets, grouping clauses and
 * Grafana variables are set aside; of the identifiers left, one followed by an opening
 * parenthesis is a function or aggregation, a few are keywords, and the rest are metric names.
 */
final class PromQl {

  /** {@code metric{label op "value", ...}}. */
  record Selector(String metric, Map<String, LabelMatcher> labels) {
  }

  record LabelMatcher(String operator, String value) {
  }

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  /** Not inside a number or duration (the m of 5m). */
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![A-Za-z0-9_:.])[A-Za-z_:][A-Za-z0-9_:]*");
  private static final Pattern SELECTOR = Pattern.compile("([A-Za-z_:][A-Za-z0-9_:]*)\\s*\\{([^}]*)}");
  private static final Pattern LABEL = Pattern.compile(
      "([A-Za-z_][A-Za-z0-9_]*)\\s*(=~|!~|!=|=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\")");
  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan",
      "by", "without", "on", "ignoring", "group_left", "group_right");

  private PromQl() {
  }

  /** The metric names {@code expr} reads. */
  static List<String> metricNames(String expr) {
    String rest = STRING.matcher(expr).replaceAll("\"\"")
        .replaceAll("\\{[^}]*}", " ")
        .replaceAll("\\[[^]]*]", " ")
        .replaceAll("\\$[A-Za-z_]+", " ");
    rest = GROUPING.matcher(rest).replaceAll(" ");
    List<String> names = new ArrayList<>();
    Matcher m = IDENTIFIER.matcher(rest);
    while (m.find()) {
      String after = rest.substring(m.end()).stripLeading();
      if (!after.startsWith("(") && !KEYWORDS.contains(m.group().toLowerCase())) {
        names.add(m.group());
      }
    }
    return names;
  }

  /** Each selector of {@code expr} that has label matchers. */
  static List<Selector> selectors(String expr) {
    List<Selector> out = new ArrayList<>();
    Matcher s = SELECTOR.matcher(expr);
    while (s.find()) {
      Map<String, LabelMatcher> labels = new LinkedHashMap<>();
      Matcher l = LABEL.matcher(s.group(2));
      while (l.find()) {
        String quoted = l.group(3);
        labels.put(l.group(1), new LabelMatcher(l.group(2), quoted.substring(1, quoted.length() - 1)));
      }
      out.add(new Selector(s.group(1), labels));
    }
    return out;
  }
}
