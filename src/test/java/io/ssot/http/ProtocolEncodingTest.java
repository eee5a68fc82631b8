package io.ssot.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.ssot.protocol.Event;
import io.ssot.protocol.JsonBytes;
import io.ssot.protocol.Problem;
import io.ssot.protocol.WatchEncoder;
import io.ssot.protocol.WatchMessage;
import io.ssot.protocol.WatchRequest;
import io.ssot.store.Entry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The protocol catalogue's encoder writes what the server's answers write: strings escaped as
 * {@link JsonWriter} escapes them, and messages any JSON parser reads back as SPEC §4 shows.
 */
class ProtocolEncodingTest {

  private static final List<String> STRINGS = List.of("", "plain", "q\"b\\s", "ctl\u0000\u0001\u001f\n\r\t",
      "caf\u00e9 \u20ac \ud83d\ude00", "lone \ud800 surrogate", "\udc00", "\u2028\u2029/<>&", "k\u007f");

  @Test
  void stringsAreWrittenAsTheServersJsonWriterWritesThem() {
    for (String s : STRINGS) {
      Buffer server = new JsonWriter(8).beginObject().field("s", s).field("n", 42).endObject().buffer();
      JsonBytes protocol = new JsonBytes(8).beginObject().field("s", s).field("n", 42).endObject();
      assertEquals(server, Buffer.buffer(protocol.toByteArray()), s);
    }
  }

  @Test
  void anEventReadsBackAsTheEntryItCameFrom() {
    Entry put = new Entry("a/\u00e9", "{\"x\":[1,\"\\u0000\"]}".getBytes(StandardCharsets.UTF_8), 9, 2, 4, 0,
        1_700_000_000_001L, "ci \"bot\"");
    JsonObject json = new JsonObject(WatchEncoder.event(new JsonBytes(8), EntryJson.event(put)).toString());
    assertEquals(new JsonObject().put("type", "put").put("key", "a/\u00e9")
        .put("value", new JsonObject().put("x", new JsonArray().add(1).add("\u0000")))
        .put("revision", 9L).put("createRevision", 2L).put("version", 4L)
        .put("updatedAt", "2023-11-14T22:13:20.001Z").put("updatedBy", "ci \"bot\""), json);
    Event delete = EntryJson.event(new Entry("k", null, 10, 0, 0, 9, 1_700_000_000_002L, "ci"));
    assertEquals(new JsonObject().put("type", "delete").put("key", "k").put("revision", 10L)
        .put("updatedAt", "2023-11-14T22:13:20.002Z").put("updatedBy", "ci"),
        new JsonObject(WatchEncoder.event(new JsonBytes(8), delete).toString()));
  }

  @Test
  void watchMessagesReadBack() {
    for (String id : STRINGS.subList(0, 5)) {
      assertEquals(new JsonObject().put("id", id).put("created", true).put("revision", 57L),
          new JsonObject(WatchEncoder.text(new WatchMessage.Created(id, 57))));
      assertEquals(new JsonObject().put("id", id).put("events", new JsonArray().add(1)),
          new JsonObject(WatchEncoder.text(new WatchMessage.Events(id, 58, "[1]".getBytes(StandardCharsets.UTF_8)))));
      assertEquals(new JsonObject().put("id", id).put("error", "shutting-down").put("lastRevision", 75L),
          new JsonObject(WatchEncoder.text(new WatchMessage.Ended(id, Problem.SHUTTING_DOWN, 75))));
      assertEquals(new JsonObject().put("id", id).put("error", "unknown-id").put("detail", id),
          new JsonObject(WatchEncoder.text(new WatchMessage.Refused(id, Problem.UNKNOWN_ID, id))));
      JsonObject open = new JsonObject(Buffer.buffer(WatchEncoder.json(new WatchRequest.Open(id, null, id, 3))));
      assertEquals(new JsonObject().put("op", "watch").put("id", id).put("prefix", id).put("fromRevision", 3L), open);
    }
  }

  @Test
  void aProblemBodyCarriesItsCatalogueTypeAndTitle() {
    JsonObject body = new JsonObject(Problems.body(new ApiException(Problem.HTTP_STATUS, 431, "too big")));
    assertEquals("urn:ssot:problem:http-431", body.getString("type"));
    assertEquals("http-431", body.getString("code"));
    assertEquals("Request Header Fields Too Large", body.getString("title"));
    JsonObject bom = new JsonObject(Problems.body(new ApiException(Problem.BYTE_ORDER_MARK, 422, "stored")));
    assertEquals(422, bom.getInteger("status"));
    assertEquals("Unprocessable Content", bom.getString("title"));
    assertThrows(IllegalArgumentException.class, () -> new ApiException(Problem.KEY_NOT_FOUND, 400, "no"));
    assertThrows(IllegalArgumentException.class, () -> new ApiException(Problem.SLOW_CONSUMER, "watch only"));
  }
}
