package io.ssot.watch;

import io.ssot.http.ApiException;
import io.ssot.protocol.Problem;
import io.ssot.store.Keys;
import io.ssot.store.SystemKeys;

/** What a watch follows: one key exactly, or every key with a byte prefix. */
public record WatchFilter(String key, String prefix) {

  /**
   * The filter a request names with exactly one of {@code key} or {@code prefix}, each a string.
   *
   * @throws ApiException 400 naming what is wrong
   */
  static WatchFilter of(Object key, Object prefix) {
    if (key instanceof String k && prefix == null) {
      String problem = Keys.problem(k);
      if (problem != null) {
        throw new ApiException(Problem.INVALID_KEY, problem);
      }
      return key(k);
    }
    if (prefix instanceof String p && key == null) {
      String problem = Keys.prefixProblem(p);
      if (problem != null) {
        throw new ApiException(Problem.INVALID_KEY, problem);
      }
      return prefix(p);
    }
    throw new ApiException(Problem.INVALID_PARAMETER, "a watch needs exactly one of key or prefix, as a string");
  }

  public static WatchFilter key(String key) {
    return new WatchFilter(key, null);
  }

  public static WatchFilter prefix(String prefix) {
    return new WatchFilter(null, prefix);
  }

  public boolean matches(String candidate) {
    return key != null ? key.equals(candidate) : candidate.startsWith(prefix) && !SystemKeys.isSystem(candidate);
  }
}
