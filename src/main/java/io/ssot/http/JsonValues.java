package io.ssot.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.ssot.protocol.Problem;
import java.io.IOException;

/**
 * Checks that bytes are one RFC 8259 JSON value with valid Unicode and bounded nesting, in one
 * streaming pass and without building a tree. Values are stored as received, so this is the
 * only time they are parsed.
 */
public final class JsonValues {

  private final int maxDepth;
  private final JsonFactory factory;

  public JsonValues(int maxDepth) {
    this.maxDepth = maxDepth;
    // Jackson's own bound is a backstop above ours (a txn wraps values in three levels).
    this.factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth + 8).build())
        .build();
  }

  /** @throws ApiException 400 unless {@code json} is exactly one valid JSON value */
  public void validate(byte[] json) {
    refuseByteOrderMark(json);
    requireUtf8(json);
    try (JsonParser p = parser(json)) {
      if (p.nextToken() == null) {
        throw new ApiException(Problem.INVALID_JSON, "the body is empty; a value is any JSON document");
      }
      skipValue(p);
      if (p.nextToken() != null) {
        throw new ApiException(Problem.INVALID_JSON, "unexpected content after the JSON value at "
            + location(p));
      }
    } catch (IOException e) {
      throw invalid(e);
    }
  }

  /**
   * Jackson decodes UTF-8 leniently (overlong forms, code points above U+10FFFF), so a body is
   * first checked to be well-formed UTF-8 (Unicode Table 3-7); surrogates are refused here too.
   *
   * @throws ApiException 400 unless every byte sequence of {@code bytes} is well-formed
   */
  public static void requireUtf8(byte[] bytes) {
    int i = 0;
    while (i < bytes.length) {
      int b = bytes[i] & 0xFF;
      if (b < 0x80) {
        if (b == 0) {
          throw notUtf8Json(i);
        }
        i++;
        continue;
      }
      int more;
      int low = 0x80;
      int high = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        more = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        more = 2;
        low = b == 0xE0 ? 0xA0 : 0x80;
        high = b == 0xED ? 0x9F : 0xBF;
      } else if (b >= 0xF0 && b <= 0xF4) {
        more = 3;
        low = b == 0xF0 ? 0x90 : 0x80;
        high = b == 0xF4 ? 0x8F : 0xBF;
      } else {
        throw notUtf8(i);
      }
      if (i + more >= bytes.length) {
        throw notUtf8(i);
      }
      for (int k = 1; k <= more; k++) {
        int c = bytes[i + k] & 0xFF;
        if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xBF)) {
          throw notUtf8(i);
        }
      }
      i += more + 1;
    }
  }

  /**
   * A body that starts with a UTF-8 byte-order mark is refused (400 {@code byte-order-mark}).
   * Values are served as the bytes received, inside the JSON of list, history and watch answers,
   * where a BOM would make the whole answer invalid JSON (RFC 8259 §8.1: implementations MUST NOT
   * add one); stripping it instead would store bytes other than those received. Jackson skips a
   * leading BOM silently, so this check comes first wherever a body is parsed.
   */
  public static void refuseByteOrderMark(byte[] body) {
    if (startsWithByteOrderMark(body)) {
      throw new ApiException(Problem.BYTE_ORDER_MARK,
          "the body starts with a UTF-8 byte-order mark (EF BB BF); send the JSON without it");
    }
  }

  public static boolean startsWithByteOrderMark(byte[] bytes) {
    return bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF;
  }

  /**
   * A NUL byte is never part of UTF-8 JSON (in a string it must be escaped), but it is how Jackson
   * recognises UTF-16 and UTF-32, which it would parse: such a body would be stored as received,
   * in an encoding no reader expects, and one starting with a NUL even looks encrypted at rest.
   */
  private static ApiException notUtf8Json(int offset) {
    return new ApiException(Problem.INVALID_JSON, "the body has a NUL byte at byte " + offset
        + "; JSON must be sent as UTF-8 (RFC 8259 §8.1), not UTF-16 or UTF-32");
  }

  private static ApiException notUtf8(int offset) {
    return new ApiException(Problem.INVALID_JSON, "the body is not well-formed UTF-8 at byte " + offset);
  }

  public JsonParser parser(byte[] json) throws IOException {
    return factory.createParser(json);
  }

  /**
   * Consumes the value whose first token is current, checking nesting depth and that every
   * string and field name is well-formed Unicode (no lone surrogate).
   */
  public void skipValue(JsonParser p) throws IOException {
    int depth = 0;
    JsonToken t = p.currentToken();
    while (true) {
      switch (t) {
        case START_OBJECT, START_ARRAY -> {
          if (++depth > maxDepth) {
            throw new ApiException(Problem.JSON_TOO_DEEP, "the value nests deeper than " + maxDepth + " levels");
          }
        }
        case END_OBJECT, END_ARRAY -> depth--;
        case FIELD_NAME, VALUE_STRING -> checkUnicode(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), p);
        default -> {
        }
      }
      if (depth == 0) {
        return;
      }
      t = p.nextToken();
      if (t == null) {
        throw new ApiException(Problem.INVALID_JSON, "the JSON value ends early");
      }
    }
  }

  private static void checkUnicode(char[] text, int offset, int length, JsonParser p) {
    for (int i = offset; i < offset + length; i++) {
      char c = text[i];
      if (Character.isHighSurrogate(c) && i + 1 < offset + length && Character.isLowSurrogate(text[i + 1])) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new ApiException(Problem.INVALID_JSON, "a string holds a lone surrogate (invalid Unicode) near "
            + location(p));
      }
    }
  }

  public static ApiException invalid(IOException e) {
    if (e instanceof StreamConstraintsException sce) {
      // Jackson's read constraints: nesting (our maxJsonDepth is checked first, so this is the
      // backstop), and the length of a number, string, name or document.
      String message = sce.getOriginalMessage();
      Problem problem = message.startsWith("Document nesting depth") ? Problem.JSON_TOO_DEEP
          : message.startsWith("Number value length") ? Problem.NUMBER_TOO_LONG : Problem.INVALID_JSON;
      return new ApiException(problem, message);
    }
    String message = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
        ? jpe.getOriginalMessage() + " at " + location(jpe.getLocation()) : e.getMessage();
    return new ApiException(Problem.INVALID_JSON, "the body is not valid JSON: " + message);
  }

  static String location(JsonParser p) {
    return location(p.currentLocation());
  }

  private static String location(com.fasterxml.jackson.core.JsonLocation l) {
    return l == null ? "?" : "byte " + l.getByteOffset();
  }
}
