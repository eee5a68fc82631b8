package io.ssot.watch;

/** What a watch follows: one key exactly, or every key with a byte prefix. */
public record WatchFilter(String key, String prefix) {

  public static WatchFilter key(String key) {
    return new WatchFilter(key, null);
  }

  public static WatchFilter prefix(String prefix) {
    return new WatchFilter(null, prefix);
  }

  boolean matches(String candidate) {
    return key != null ? key.equals(candidate) : candidate.startsWith(prefix);
  }
}
