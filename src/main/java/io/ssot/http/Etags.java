package io.ssot.http;

import io.ssot.store.Precondition;
import java.util.ArrayList;
import java.util.List;

/**
 * Entity tags are quoted revisions ({@code "42"}). Conditional headers must be well-formed:
 * an unquoted or otherwise malformed tag is a 400, never silently ignored.
 */
public final class Etags {

  private Etags() {
  }

  public static String of(long revision) {
    return "\"" + revision + "\"";
  }

  /** The precondition of a write's {@code If-Match} / {@code If-None-Match} headers. */
  public static Precondition forWrite(String ifMatch, String ifNoneMatch) {
    if (ifMatch != null && ifNoneMatch != null) {
      throw ApiException.badRequest("invalid-header", "use either If-Match or If-None-Match, not both");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.trim().equals("*")) {
        throw ApiException.badRequest("invalid-header",
            "on a write, If-None-Match takes only * (create only if absent)");
      }
      return Precondition.ABSENT;
    }
    if (ifMatch != null) {
      if (ifMatch.trim().equals("*")) {
        return Precondition.EXISTS;
      }
      List<Long> revisions = parseList("If-Match", ifMatch, false);
      if (revisions.size() != 1) {
        throw ApiException.badRequest("invalid-header", "If-Match takes one entity tag, such as \"42\"");
      }
      return Precondition.revision(revisions.get(0));
    }
    return Precondition.NONE;
  }

  /**
   * The revisions of a read's {@code If-None-Match}; {@code null} for {@code *} (any existing
   * version matches).
   */
  public static List<Long> forRead(String ifNoneMatch) {
    if (ifNoneMatch.trim().equals("*")) {
      return null;
    }
    return parseList("If-None-Match", ifNoneMatch, true);
  }

  private static List<Long> parseList(String header, String value, boolean allowWeak) {
    List<Long> revisions = new ArrayList<>();
    for (String part : value.split(",", -1)) {
      String tag = part.trim();
      if (allowWeak && tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.length() < 3 || tag.length() > 21 || tag.charAt(0) != '"' || tag.charAt(tag.length() - 1) != '"') {
        throw malformed(header);
      }
      String digits = tag.substring(1, tag.length() - 1);
      for (int i = 0; i < digits.length(); i++) {
        if (digits.charAt(i) < '0' || digits.charAt(i) > '9') {
          throw malformed(header);
        }
      }
      try {
        revisions.add(Long.parseLong(digits));
      } catch (NumberFormatException e) {
        // 19 digits can still be above Long.MAX_VALUE: no such revision, and no 500 either.
        throw malformed(header);
      }
    }
    return revisions;
  }

  private static ApiException malformed(String header) {
    return ApiException.badRequest("invalid-header", header + " must hold quoted revisions such as \"42\"");
  }
}
