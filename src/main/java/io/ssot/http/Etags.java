package io.ssot.http;

import io.ssot.protocol.Etag;
import io.ssot.protocol.Problem;
import io.ssot.store.Precondition;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * Entity tags are quoted revisions ({@code "42"}, see {@link Etag}). Conditional headers must be well-formed:
 * an unquoted or otherwise malformed tag is a 400, never silently ignored.
 */
public final class Etags {

  private Etags() {
  }

  public static String of(long revision) {
    return Etag.of(revision);
  }

  /**
   * {@link #of} as a header value Vert.x writes without encoding it again, made straight from the
   * digits: an answer rendered once for a key read once (random reads) builds one per request.
   */
  public static CharSequence header(long revision) {
    if (revision < 0) {
      return new AsciiString(of(revision));
    }
    int digits = 1;
    for (long n = revision; n >= 10; n /= 10) {
      digits++;
    }
    byte[] tag = new byte[digits + 2];
    tag[0] = '"';
    tag[digits + 1] = '"';
    long n = revision;
    for (int i = digits; i >= 1; i--) {
      tag[i] = (byte) ('0' + n % 10);
      n /= 10;
    }
    return new AsciiString(tag, false);
  }

  /** The precondition of a write's {@code If-Match} / {@code If-None-Match} headers. */
  public static Precondition forWrite(String ifMatch, String ifNoneMatch) {
    if (ifMatch != null && ifNoneMatch != null) {
      throw new ApiException(Problem.INVALID_HEADER, "use either If-Match or If-None-Match, not both");
    }
    if (ifNoneMatch != null) {
      if (!ifNoneMatch.trim().equals("*")) {
        throw new ApiException(Problem.INVALID_HEADER,
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
        throw new ApiException(Problem.INVALID_HEADER, "If-Match takes one entity tag, such as \"42\"");
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
    for (String tag : value.split(",", -1)) {
      long revision = Etag.revision(tag, allowWeak);
      if (revision < 0) {
        throw malformed(header);
      }
      revisions.add(revision);
    }
    return revisions;
  }

  private static ApiException malformed(String header) {
    return new ApiException(Problem.INVALID_HEADER, header + " must hold quoted revisions such as \"42\"");
  }
}
