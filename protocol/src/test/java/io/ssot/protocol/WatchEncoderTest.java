package io.ssot.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The shapes of SPEC §4, byte for byte. */
class WatchEncoderTest {

  private static final byte[] EVENTS = utf8("[{\"type\":\"delete\",\"key\":\"a\",\"revision\":58}]");

  @Test
  void webSocketMessages() {
    assertEquals("{\"id\":\"w1\",\"created\":true,\"revision\":57}",
        WatchEncoder.text(new WatchMessage.Created("w1", 57)));
    assertEquals("{\"id\":\"w1\",\"events\":[{\"type\":\"delete\",\"key\":\"a\",\"revision\":58}]}",
        WatchEncoder.text(new WatchMessage.Events("w1", 58, EVENTS)));
    assertEquals("{\"id\":\"w1\",\"progress\":60}", WatchEncoder.text(new WatchMessage.Progress("w1", 60)));
    assertEquals("{\"id\":\"w1\",\"error\":\"compacted\",\"compactRevision\":100}",
        WatchEncoder.text(new WatchMessage.Ended("w1", Problem.COMPACTED, 100)));
    assertEquals("{\"id\":\"w1\",\"error\":\"slow-consumer\",\"lastRevision\":75}",
        WatchEncoder.text(new WatchMessage.Ended("w1", Problem.SLOW_CONSUMER, 75)));
    assertEquals("{\"id\":\"w1\",\"canceled\":true}", WatchEncoder.text(new WatchMessage.Canceled("w1")));
    assertEquals("{\"error\":\"invalid-json\",\"detail\":\"a message must be a JSON object\"}",
        WatchEncoder.text(new WatchMessage.Refused(null, Problem.INVALID_JSON, "a message must be a JSON object")));
  }

  @Test
  void theEventsHeadAndEndFrameTheSharedArray() {
    byte[] whole = WatchEncoder.json(new WatchMessage.Events("w\"1", 58, EVENTS));
    assertArrayEquals(whole, concat(WatchEncoder.eventsHead("w\"1"), EVENTS, WatchEncoder.EVENTS_END));
    assertEquals("{\"id\":\"w\\\"1\",\"events\":", new String(WatchEncoder.eventsHead("w\"1"), StandardCharsets.UTF_8));
  }

  @Test
  void sseEvents() {
    assertEquals("id: 58\nevent: change\ndata: {\"revision\":58,\"events\":[{\"type\":\"delete\",\"key\":\"a\","
        + "\"revision\":58}]}\n\n", new String(WatchEncoder.sse(new WatchMessage.Events(null, 58, EVENTS)),
        StandardCharsets.UTF_8));
    assertArrayEquals(WatchEncoder.sse(new WatchMessage.Events(null, 58, EVENTS)),
        concat(WatchEncoder.sseChangeHead(58), EVENTS, WatchEncoder.SSE_CHANGE_END));
    assertEquals("id: 60\nevent: progress\ndata: {\"revision\":60}\n\n",
        new String(WatchEncoder.sse(new WatchMessage.Progress(null, 60)), StandardCharsets.UTF_8));
    assertEquals("event: error\ndata: {\"error\":\"token-revoked\",\"lastRevision\":9}\n\n",
        new String(WatchEncoder.sse(new WatchMessage.Ended(null, Problem.TOKEN_REVOKED, 9)), StandardCharsets.UTF_8));
    assertEquals("event: error\ndata: {\"error\":\"undecryptable\",\"revision\":4}\n\n",
        new String(WatchEncoder.sse(new WatchMessage.Ended(null, Problem.UNDECRYPTABLE, 4)), StandardCharsets.UTF_8));
    assertThrows(IllegalArgumentException.class, () -> WatchEncoder.sse(new WatchMessage.Canceled(null)));
  }

  @Test
  void events() {
    Event put = Event.put("a/b", utf8("{\"x\":[1,2]}"), 7, 3, 2, 1_700_000_000_123L, "ci");
    assertEquals("{\"type\":\"put\",\"key\":\"a/b\",\"value\":{\"x\":[1,2]},\"revision\":7,\"createRevision\":3,"
        + "\"version\":2,\"updatedAt\":\"2023-11-14T22:13:20.123Z\",\"updatedBy\":\"ci\"}",
        WatchEncoder.event(new JsonBytes(8), put).toString());
    Event delete = Event.delete("k\u00e9", 8, 0, null);
    assertEquals("{\"type\":\"delete\",\"key\":\"k\u00e9\",\"revision\":8,\"updatedAt\":\"1970-01-01T00:00:00.000Z\","
        + "\"updatedBy\":null}", WatchEncoder.event(new JsonBytes(8), delete).toString());
  }

  @Test
  void clientRequests() {
    assertEquals("{\"op\":\"watch\",\"id\":\"w1\",\"prefix\":\"payments/\",\"fromRevision\":42}",
        new String(WatchEncoder.json(new WatchRequest.Open("w1", null, "payments/", 42)), StandardCharsets.UTF_8));
    assertEquals("{\"op\":\"watch\",\"id\":\"w2\",\"key\":\"k\"}",
        new String(WatchEncoder.json(new WatchRequest.Open("w2", "k", null, 0)), StandardCharsets.UTF_8));
    assertEquals("{\"op\":\"cancel\",\"id\":\"w1\"}",
        new String(WatchEncoder.json(new WatchRequest.Cancel("w1")), StandardCharsets.UTF_8));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    JsonBytes out = new JsonBytes(16);
    for (byte[] p : parts) {
      out.raw(p);
    }
    return out.toByteArray();
  }
}
