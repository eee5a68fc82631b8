package io.ssot.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonBytesTest {

  @Test
  void stringsEscapeQuotesBackslashesAndControlCharactersOnly() {
    String s = "q\"b\\n\nr\rt\tz\u0001/\u00e9\u20ac\ud83d\ude00\u2028";
    assertEquals("{\"s\":\"q\\\"b\\\\n\\nr\\rt\\tz\\u0001/\u00e9\u20ac\ud83d\ude00\u2028\"}",
        new JsonBytes(1).beginObject().field("s", s).endObject().toString());
  }

  @Test
  void aLoneSurrogateBecomesAQuestionMarkAsInUtf8Encoding() {
    assertEquals("{\"s\":\"a?b\"}", new JsonBytes(1).beginObject().field("s", "a\ud800b").endObject().toString());
  }

  @Test
  void fieldsAreSeparatedByCommas() {
    assertEquals("{\"a\":1,\"b\":true,\"c\":null,\"d\":[1]}", new JsonBytes(2).beginObject().field("a", 1)
        .field("b", true).field("c", (String) null).rawField("d", new byte[] {'[', '1', ']'}).endObject().toString());
  }
}
