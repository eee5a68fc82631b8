package io.ssot.config;

import java.util.Locale;
import java.util.function.Function;

/**
 * One configuration setting: its dotted name (the path in {@code conf/ssot.yaml}), its default,
 * how its text is parsed and checked, and what it means. Its environment variable is derived
 * from the name: {@code limits.maxValueBytes} is {@code SSOT_LIMITS_MAX_VALUE_BYTES}.
 */
public final class Setting<T> {

  private final String name;
  private final String defaultText;
  private final Function<String, T> parser;
  private final String description;

  Setting(String name, String defaultText, Function<String, T> parser, String description) {
    this.name = name;
    this.defaultText = defaultText;
    this.parser = parser;
    this.description = description;
  }

  public String name() {
    return name;
  }

  public String defaultText() {
    return defaultText;
  }

  public String description() {
    return description;
  }

  public String envName() {
    StringBuilder env = new StringBuilder("SSOT_");
    for (char c : name.toCharArray()) {
      if (c == '.') {
        env.append('_');
      } else if (Character.isUpperCase(c)) {
        env.append('_').append(c);
      } else {
        env.append(Character.toUpperCase(c));
      }
    }
    return env.toString().toUpperCase(Locale.ROOT);
  }

  T parse(String text) {
    try {
      return parser.apply(text.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + " (" + envName() + "): " + e.getMessage(), e);
    }
  }
}
