package io.ssot.store;

/**
 * The key grammar of the data model: 1–512 bytes from {@code [A-Za-z0-9._:/-]}, hierarchical by
 * {@code /}, with no leading or trailing slash, no empty segment and no {@code .} or {@code ..}
 * segment. Every allowed character is ASCII, so a key's UTF-16 order is its byte order.
 */
public final class Keys {

  public static final int MAX_KEY_BYTES = 512;

  private Keys() {
  }

  /** @return why {@code key} is not a valid key, or {@code null} when it is one */
  public static String problem(String key) {
    if (key == null || key.isEmpty()) {
      return "the key is empty";
    }
    if (key.length() > MAX_KEY_BYTES) {
      return "the key is longer than " + MAX_KEY_BYTES + " bytes";
    }
    int segmentStart = 0;
    for (int i = 0; i <= key.length(); i++) {
      if (i == key.length() || key.charAt(i) == '/') {
        String problem = segmentProblem(key, segmentStart, i);
        if (problem != null) {
          return problem;
        }
        segmentStart = i + 1;
      } else if (!isKeyChar(key.charAt(i))) {
        return "the key contains a character outside [A-Za-z0-9._:/-] at index " + i;
      }
    }
    return null;
  }

  /** A list prefix is any byte prefix of a valid key: allowed characters only, at most 512 of them. */
  public static String prefixProblem(String prefix) {
    if (prefix.length() > MAX_KEY_BYTES) {
      return "the prefix is longer than " + MAX_KEY_BYTES + " bytes";
    }
    for (int i = 0; i < prefix.length(); i++) {
      char c = prefix.charAt(i);
      if (c != '/' && !isKeyChar(c)) {
        return "the prefix contains a character outside [A-Za-z0-9._:/-] at index " + i;
      }
    }
    return null;
  }

  private static String segmentProblem(String key, int from, int to) {
    if (from == to) {
      return from == 0 ? "the key starts with '/'"
          : to == key.length() ? "the key ends with '/'" : "the key has an empty segment ('//')";
    }
    if (key.charAt(from) == '.' && (to - from == 1 || (to - from == 2 && key.charAt(from + 1) == '.'))) {
      return "the key has a '.' or '..' segment";
    }
    return null;
  }

  static boolean isKeyChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == ':' || c == '-';
  }
}
