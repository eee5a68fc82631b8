package io.ssot;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;

/**
 * SPEC §3: no bad input ever yields 500, a hang, or lost data. Every malformed key, value,
 * parameter, header, txn, rollback body, method and watch message is answered with a 4xx
 * {@code application/problem+json} (or, on a WebSocket, an error message on a connection that
 * stays open), and changes nothing: a sentinel key and the store revision stay as they were.
 * A hang fails the test through the socket timeouts and the per-test {@link Timeout}.
 */
@ExtendWith(VertxExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(60)
class BadInputTest {

  /** The admin token as a raw header line. */
  private static final String AUTH = "Authorization: " + Http.ADMIN_AUTHORIZATION + "\r\n";
  private static final String SENTINEL = "bad/sentinel";
  private static final String SENTINEL_URI = "/v1/kv/" + SENTINEL;
  private static final String SENTINEL_VALUE = "{\"keep\": \"me\"}";
  /** The default limits.maxValueBytes (1 MiB): the boundary is checked against the real default. */
  private static final int MAX_VALUE_BYTES = 1 << 20;
  /** A txn put that would be written if the txn were (wrongly) applied. */
  private static final String WITNESS = "bad/txn-witness";
  private static final String WITNESS_PUT = "{\"op\":\"put\",\"key\":\"" + WITNESS + "\",\"value\":1}";

  private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();

  static {
    // Before the server below starts: everything it logs is checked at the end.
    LOG.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOG);
  }

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().build();

  @BeforeAll
  static void putSentinel() {
    assertEquals(201, server.http().put(SENTINEL_URI, SENTINEL_VALUE).status());
  }

  @AfterAll
  static void detachLog() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOG);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** What a bad request must not change: the sentinel's bytes and ETag, and the store revision. */
  private record State(String sentinel, String etag, long storeRevision) {
  }

  private static State state() {
    Http.Response r = server.http().get(SENTINEL_URI + "?raw=true");
    assertEquals(200, r.status(), r::toString);
    return new State(r.body().toString(), r.header("ETag"), Long.parseLong(r.header("X-SSOT-Revision")));
  }

  /** Runs a bad request and checks it left the store as it was. */
  private static Http.Response changesNothing(Supplier<Http.Response> bad) {
    State before = state();
    Http.Response r = bad.get();
    assertEquals(before, state(), () -> "the bad request changed the store; it was answered " + r);
    return r;
  }

  /** Checks an RFC 9457 problem: a 4xx, the media type, and status, title, detail and code. */
  private static JsonObject assertProblem(Http.Response r) {
    assertTrue(r.status() >= 400 && r.status() < 500, () -> "expected a 4xx, got " + r);
    String type = r.header("Content-Type");
    assertTrue(type != null && type.startsWith("application/problem+json"), () -> "not a problem: " + type + " " + r);
    JsonObject p = r.json();
    assertEquals(r.status(), p.getInteger("status"), r::toString);
    assertFalse(p.getString("title", "").isBlank(), r::toString);
    assertFalse(p.getString("detail", "").isBlank(), r::toString);
    assertTrue(p.getString("code", "").matches("[a-z0-9-]+"), r::toString);
    return p;
  }

  private static JsonObject assertProblem(Http.Response r, int status, String code) {
    assertEquals(status, r.status(), r::toString);
    JsonObject p = assertProblem(r);
    if (code != null) {
      assertEquals(code, p.getString("code"), r::toString);
    }
    return p;
  }

  private static Map<String, String> headers(String... nameValue) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < nameValue.length; i += 2) {
      m.put(nameValue[i], nameValue[i + 1]);
    }
    return m;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(UTF_8);
  }

  /** One request over a raw socket, its request line and headers written exactly as given. */
  private static Http.Response raw(String method, String target, Map<String, String> headers, byte[] body) {
    StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
        .append("Host: 127.0.0.1\r\n").append(AUTH);
    headers.forEach((n, v) -> head.append(n).append(": ").append(v).append("\r\n"));
    if (body != null && !headers.containsKey("Content-Length")) {
      head.append("Content-Length: ").append(body.length).append("\r\n");
    }
    head.append("Connection: close\r\n\r\n");
    try (RawHttp c = connect()) {
      c.write(head.toString().getBytes(ISO_8859_1));
      if (body != null) {
        c.write(body);
      }
      return c.readFinal();
    } catch (IOException e) {
      throw new UncheckedIOException("no complete response (reset, closed or timed out)", e);
    }
  }

  private static Http.Response raw(String method, String target) {
    return raw(method, target, Map.of(), null);
  }

  /** A raw HTTP/1.1 connection to the server: bytes written as given, responses parsed by the test. */
  private static RawHttp connect() throws IOException {
    return new RawHttp(server.port(), 10_000);
  }

  // ---- keys ------------------------------------------------------------------------------------

  /** Key parts of a request target, as sent on the wire: each is not a key, never another key. */
  private static final List<String> BAD_KEYS = List.of(
      "a//b", "a/./b", "a/../b", "a/", "/a", ".", "..", "a/.", "a/..", "./a", "../a",
      "a%2F..%2Fb", "a%2F%2E%2E%2Fb", "a/%2E%2E/b", "a/%2e/b", "%2E%2E", "a%2F%2Fb", "a%2F", "%2Fa",
      "a%252Fb", "a%zz", "a%", "a%2", "%", "a%G0",
      "a%20b", "a~b", "caf%C3%A9", "a%00b", "a%C3", "a%FF", "a#b", "a\\b", "a;b", "a*b",
      "", "k".repeat(513));

  private static Stream<Arguments> badKeys() {
    return BAD_KEYS.stream().flatMap(key -> Stream.of(
        Arguments.of("GET", "/v1/kv/", key, null),
        Arguments.of("PUT", "/v1/kv/", key, "1"),
        Arguments.of("DELETE", "/v1/kv/", key, null),
        Arguments.of("GET", "/v1/history/", key, null),
        Arguments.of("POST", "/v1/rollback/", key, "{\"toRevision\":1}")));
  }

  @ParameterizedTest(name = "{0} {1}{2}")
  @MethodSource("badKeys")
  void malformedKeyIs400(String method, String prefix, String key, String body) {
    Http.Response r = changesNothing(() -> raw(method, prefix + key,
        body == null ? Map.of() : Map.of("Content-Type", "application/json"), body == null ? null : bytes(body)));
    assertProblem(r, 400, "invalid-key");
  }

  @Test
  void keyOf512BytesIsAcceptedAnd513IsNot() {
    String key = "k/" + "x".repeat(510);
    assertEquals(201, raw("PUT", "/v1/kv/" + key, Map.of(), bytes("1")).status());
    assertEquals("1", raw("GET", "/v1/kv/" + key + "?raw=true").body().toString());
    assertProblem(changesNothing(() -> raw("PUT", "/v1/kv/" + key + "x", Map.of(), bytes("1"))), 400, "invalid-key");
  }

  @Test
  void encodedSlashIsDecodedOnceIntoAValidKey() {
    Http.Response created = raw("PUT", "/v1/kv/enc%2Fslash", Map.of(), bytes("7"));
    assertEquals(201, created.status(), created::toString);
    assertEquals("enc/slash", created.json().getString("key"));
    assertEquals("7", server.http().get("/v1/kv/enc/slash?raw=true").body().toString());
  }

  @Test
  void pathsThatNormaliseOntoAnotherRouteAre400() {
    server.http().put("/v1/kv/norm/a", "1");
    for (String target : List.of("/v1/kv/../kv/norm/a", "/v1//kv/norm/a", "/v1/./kv/norm/a", "/v1/kv/%2E%2E/kv/norm/a",
        "/v1/history/../kv/norm/a", "/v1/x/..%2Fkv/norm/a", "/v1/txn/.", "/health/live/..")) {
      assertProblem(raw("GET", target), 400, null);
    }
  }

  // ---- values ----------------------------------------------------------------------------------

  private static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of("truncated object", bytes("{\"a\":"), "invalid-json"),
        Arguments.of("truncated array", bytes("[1,2"), "invalid-json"),
        Arguments.of("truncated string", bytes("\"abc"), "invalid-json"),
        Arguments.of("trailing garbage", bytes("{} {}"), "invalid-json"),
        Arguments.of("trailing brace", bytes("{\"a\":1}}"), "invalid-json"),
        Arguments.of("two scalars", bytes("1 2"), "invalid-json"),
        Arguments.of("lone high surrogate", bytes("\"\\ud800\""), "invalid-json"),
        Arguments.of("lone low surrogate", bytes("{\"k\":\"\\udc00\"}"), "invalid-json"),
        Arguments.of("surrogate in a name", bytes("{\"\\ud800x\":1}"), "invalid-json"),
        Arguments.of("reversed surrogates", bytes("\"\\udc00\\ud800\""), "invalid-json"),
        Arguments.of("invalid UTF-8", new byte[] {'"', (byte) 0xC3, '(', '"'}, "invalid-json"),
        Arguments.of("byte 0xFF", new byte[] {'"', (byte) 0xFF, '"'}, "invalid-json"),
        Arguments.of("overlong UTF-8", new byte[] {'"', (byte) 0xC0, (byte) 0xAF, '"'}, "invalid-json"),
        Arguments.of("overlong 3-byte UTF-8", new byte[] {'"', (byte) 0xE0, (byte) 0x80, (byte) 0xAF, '"'},
            "invalid-json"),
        Arguments.of("UTF-8 encoded surrogate", new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'},
            "invalid-json"),
        Arguments.of("UTF-8 above U+10FFFF", new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'},
            "invalid-json"),
        Arguments.of("UTF-8 lead byte 0xF5", new byte[] {'"', (byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80, '"'},
            "invalid-json"),
        Arguments.of("lone continuation byte", new byte[] {'"', (byte) 0x80, '"'}, "invalid-json"),
        Arguments.of("truncated UTF-8 sequence", new byte[] {'"', (byte) 0xE2, (byte) 0x82, '"'}, "invalid-json"),
        Arguments.of("UTF-8 cut at the end", new byte[] {'1', ' ', (byte) 0xC3}, "invalid-json"),
        Arguments.of("raw control character", bytes("\"a\u0001b\""), "invalid-json"),
        Arguments.of("bad escape", bytes("\"\\x41\""), "invalid-json"),
        Arguments.of("depth 65 arrays", bytes("[".repeat(65) + "]".repeat(65)), "json-too-deep"),
        Arguments.of("depth 65 objects", bytes("{\"a\":".repeat(64) + "{}" + "}".repeat(64)), "json-too-deep"),
        Arguments.of("depth 1000", bytes("[".repeat(1000) + "]".repeat(1000)), "json-too-deep"),
        Arguments.of("empty body", new byte[0], "invalid-json"),
        Arguments.of("only whitespace", bytes(" \r\n\t "), "invalid-json"),
        Arguments.of("NaN", bytes("NaN"), "invalid-json"),
        Arguments.of("Infinity in an array", bytes("[-Infinity]"), "invalid-json"),
        Arguments.of("line comment", bytes("// c\n1"), "invalid-json"),
        Arguments.of("block comment", bytes("{\"a\":1 /* c */}"), "invalid-json"),
        Arguments.of("single quotes", bytes("{'a':1}"), "invalid-json"),
        Arguments.of("unquoted name", bytes("{a:1}"), "invalid-json"),
        Arguments.of("trailing comma", bytes("[1,]"), "invalid-json"),
        Arguments.of("leading zero", bytes("01"), "invalid-json"),
        Arguments.of("bare word", bytes("undefined"), "invalid-json"),
        Arguments.of("truncated literal", bytes("tru"), "invalid-json"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badValues")
  void malformedValueIs400(String name, byte[] value, String code) {
    Http.Response r = changesNothing(() -> raw("PUT", SENTINEL_URI, Map.of("Content-Type", "application/json"), value));
    assertProblem(r, 400, code);
  }

  @Test
  void wellFormedUnicodeIsAcceptedAndServedAsReceived() {
    String value = "{\"s\":\"caf\u00e9 \u20ac \ud83d\ude00 \uffff\",\"e\":\"\\ud83d\\ude00\"}";
    Http.Response r = raw("PUT", "/v1/kv/bad/unicode", Map.of(), bytes(value));
    assertEquals(201, r.status(), r::toString);
    assertTrue(Arrays.equals(bytes(value), server.http().get("/v1/kv/bad/unicode?raw=true").body().getBytes()));
  }

  @Test
  void nestingDepth64IsAccepted() {
    Http.Response r = raw("PUT", "/v1/kv/bad/deep", Map.of(), bytes("[".repeat(64) + "]".repeat(64)));
    assertEquals(201, r.status(), r::toString);
    Http.Response objects = raw("PUT", "/v1/kv/bad/deep", Map.of(),
        bytes("{\"a\":".repeat(63) + "{}" + "}".repeat(63)));
    assertEquals(200, objects.status(), objects::toString);
  }

  /** A JSON string value whose encoding is exactly {@code size} bytes. */
  private static byte[] valueOfSize(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 'a');
    b[0] = '"';
    b[size - 1] = '"';
    return b;
  }

  @Test
  void bodyOfExactlyMaxValueBytesIsAccepted() {
    Http.Response r = raw("PUT", "/v1/kv/bad/big", Map.of(), valueOfSize(MAX_VALUE_BYTES));
    assertTrue(r.status() == 200 || r.status() == 201, r::toString);
    assertEquals(MAX_VALUE_BYTES, server.http().get("/v1/kv/bad/big?raw=true").body().length());
  }

  @Test
  void oneByteMoreIs413AndTheClientReadsIt() {
    Http.Response r = changesNothing(() -> raw("PUT", SENTINEL_URI, Map.of(), valueOfSize(MAX_VALUE_BYTES + 1)));
    assertProblem(r, 413, "too-large");
  }

  @Test
  void declaredTooLargeIsAnsweredBeforeTheBodyIsSent() throws IOException {
    State before = state();
    try (RawHttp c = connect()) {
      c.write("PUT " + SENTINEL_URI + " HTTP/1.1\r\nHost: x\r\n" + AUTH + "Content-Length: " + (MAX_VALUE_BYTES + 1) + "\r\n\r\n");
      assertProblem(c.readFinal(), 413, "too-large");
    }
    assertEquals(before, state());
  }

  /**
   * A client that sends the refused body anyway (as one must after a 413 without Expect, and as
   * some do after a refused 100-continue) keeps a usable connection: the bytes are dropped as that
   * request's body, never read as a new request, and the next request is answered.
   */
  @Test
  void connectionStaysInSyncAfter413() throws IOException {
    for (String expect : List.of("", "Expect: 100-continue\r\n")) {
      State before = state();
      try (RawHttp c = connect()) {
        c.write("PUT " + SENTINEL_URI + " HTTP/1.1\r\nHost: x\r\n" + AUTH + "" + expect + "Content-Length: "
            + (MAX_VALUE_BYTES + 1) + "\r\n\r\n");
        assertProblem(c.read(), 413, "too-large");
        c.write(valueOfSize(MAX_VALUE_BYTES + 1)).write("GET /health/live HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n");
        Http.Response next = c.read();
        assertEquals(200, next.status(), next::toString);
        assertEquals("{\"status\":\"up\"}", next.body().toString());
      }
      assertEquals(before, state());
    }
  }

  /** Sends {@code value} with chunked transfer encoding, in 64 KiB chunks. */
  private static Http.Response putChunked(String uri, byte[] value) {
    try (RawHttp c = connect()) {
      c.write("PUT " + uri + " HTTP/1.1\r\nHost: x\r\n" + AUTH + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
      for (int off = 0; off < value.length; off += 65536) {
        int n = Math.min(65536, value.length - off);
        c.write(Integer.toHexString(n) + "\r\n").write(Arrays.copyOfRange(value, off, off + n)).write("\r\n");
      }
      c.write("0\r\n\r\n");
      return c.readFinal();
    } catch (IOException e) {
      throw new UncheckedIOException("no complete response (reset, closed or timed out)", e);
    }
  }

  @Test
  void chunkedBodyAtTheLimitIsAcceptedAndOneByteMoreIs413() {
    Http.Response ok = putChunked("/v1/kv/bad/big-chunked", valueOfSize(MAX_VALUE_BYTES));
    assertEquals(201, ok.status(), ok::toString);
    assertEquals(MAX_VALUE_BYTES, server.http().get("/v1/kv/bad/big-chunked?raw=true").body().length());
    Http.Response r = changesNothing(() -> putChunked(SENTINEL_URI, valueOfSize(MAX_VALUE_BYTES + 1)));
    assertProblem(r, 413, "too-large");
  }

  @Test
  void expectContinueIsRefusedWith413OrContinuedAtTheLimit() throws IOException {
    State before = state();
    try (RawHttp c = connect()) {
      c.write("PUT " + SENTINEL_URI + " HTTP/1.1\r\nHost: x\r\n" + AUTH + "Expect: 100-continue\r\nContent-Length: "
          + (MAX_VALUE_BYTES + 1) + "\r\n\r\n");
      assertProblem(c.read(), 413, "too-large");
    }
    assertEquals(before, state());
    try (RawHttp c = connect()) {
      c.write("PUT /v1/kv/bad/big-continued HTTP/1.1\r\nHost: x\r\n" + AUTH + "Expect: 100-continue\r\nContent-Length: "
          + MAX_VALUE_BYTES + "\r\nConnection: close\r\n\r\n");
      assertEquals(100, c.read().status());
      Http.Response r = c.write(valueOfSize(MAX_VALUE_BYTES)).readFinal();
      assertEquals(201, r.status(), r::toString);
    }
  }

  // ---- parameters ------------------------------------------------------------------------------

  private static final String CURSOR_OF_OTHER_PREFIX =
      Base64.getUrlEncoder().withoutPadding().encodeToString(bytes("other/k"));

  private static Stream<Arguments> badParameters() {
    String txn = "{\"success\":[" + WITNESS_PUT + "]}";
    return Stream.of(
        Arguments.of("GET", "/v1/kv?limit=0", null),
        Arguments.of("GET", "/v1/kv?limit=1001", null),
        Arguments.of("GET", "/v1/kv?limit=abc", null),
        Arguments.of("GET", "/v1/kv?limit=-1", null),
        Arguments.of("GET", "/v1/kv?limit=1.5", null),
        Arguments.of("GET", "/v1/kv?limit=", null),
        Arguments.of("GET", "/v1/kv?limit=99999999999999999999", null),
        Arguments.of("GET", "/v1/kv?limit=1&limit=2", null),
        Arguments.of("GET", "/v1/kv?cursor=garbage", null),
        Arguments.of("GET", "/v1/kv?cursor=%21%21%21", null),
        Arguments.of("GET", "/v1/kv?prefix=bad/&cursor=" + CURSOR_OF_OTHER_PREFIX, null),
        Arguments.of("GET", "/v1/kv?prefix=a%20b", null),
        Arguments.of("GET", "/v1/kv?prefix=%zz", null),
        Arguments.of("GET", "/v1/kv?prefix=a&prefix=b", null),
        Arguments.of("GET", "/v1/kv?keysOnly=maybe", null),
        Arguments.of("GET", SENTINEL_URI + "?raw=maybe", null),
        Arguments.of("GET", SENTINEL_URI + "?raw=1", null),
        Arguments.of("GET", SENTINEL_URI + "?raw=true&raw=true", null),
        Arguments.of("GET", SENTINEL_URI + "?atRevision=-1", null),
        Arguments.of("GET", SENTINEL_URI + "?atRevision=0", null),
        Arguments.of("GET", SENTINEL_URI + "?atRevision=abc", null),
        Arguments.of("GET", SENTINEL_URI + "?atRevision=99999999999999999999", null),
        Arguments.of("GET", SENTINEL_URI + "?atRevision=1&atRevision=2", null),
        Arguments.of("GET", SENTINEL_URI + "?wait=abc", null),
        Arguments.of("GET", SENTINEL_URI + "?wait=-1s", null),
        Arguments.of("GET", SENTINEL_URI + "?wait=5h", null),
        Arguments.of("GET", SENTINEL_URI + "?wait=30s", null),
        Arguments.of("GET", SENTINEL_URI + "?atRevision=1&wait=1s", null),
        Arguments.of("GET", SENTINEL_URI + "?x=%zz", null),
        Arguments.of("PUT", SENTINEL_URI + "?durability=fast", "2"),
        Arguments.of("PUT", SENTINEL_URI + "?durability=", "2"),
        Arguments.of("PUT", SENTINEL_URI + "?durability=local&durability=sync", "2"),
        Arguments.of("PUT", SENTINEL_URI + "?durability=%zz", "2"),
        Arguments.of("DELETE", SENTINEL_URI + "?durability=fast", null),
        Arguments.of("DELETE", SENTINEL_URI + "?durability=%zz", null),
        Arguments.of("POST", "/v1/txn?durability=fast", txn),
        Arguments.of("POST", "/v1/rollback/" + SENTINEL + "?durability=fast", "{\"toRevision\":1}"),
        Arguments.of("GET", "/v1/history/" + SENTINEL + "?before=abc", null),
        Arguments.of("GET", "/v1/history/" + SENTINEL + "?before=0", null),
        Arguments.of("GET", "/v1/history/" + SENTINEL + "?before=-5", null),
        Arguments.of("GET", "/v1/history/" + SENTINEL + "?limit=0", null),
        Arguments.of("GET", "/v1/history/" + SENTINEL + "?limit=1001", null),
        Arguments.of("GET", "/v1/history/" + SENTINEL + "?limit=x", null));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badParameters")
  void malformedParameterIs400(String method, String uri, String body) {
    Http.Response r = changesNothing(() -> raw(method, uri, Map.of(), body == null ? null : bytes(body)));
    assertProblem(r, 400, "invalid-parameter");
    assertEquals(404, server.http().get("/v1/kv/" + WITNESS).status(), "the txn was not applied");
  }

  @Test
  void futureRevisionIs400() {
    long future = state().storeRevision() + 1_000_000;
    assertProblem(server.http().get(SENTINEL_URI + "?atRevision=" + future), 400, "future-revision");
    assertProblem(changesNothing(() -> server.http().post("/v1/rollback/" + SENTINEL, "{\"toRevision\":" + future + "}")),
        400, "future-revision");
  }

  // ---- headers ---------------------------------------------------------------------------------

  private static Stream<Arguments> badHeaders() {
    return Stream.of(
        Arguments.of("PUT", headers("If-Match", "5")),
        Arguments.of("PUT", headers("If-Match", "W/\"5\"")),
        Arguments.of("PUT", headers("If-Match", "\"5\", \"6\"")),
        Arguments.of("PUT", headers("If-Match", "\"abc\"")),
        Arguments.of("PUT", headers("If-Match", "\"\"")),
        Arguments.of("PUT", headers("If-Match", "\"-5\"")),
        Arguments.of("PUT", headers("If-Match", "\"9999999999999999999\"")),
        Arguments.of("PUT", headers("If-Match", "\"99999999999999999999999\"")),
        Arguments.of("PUT", headers("If-Match", "")),
        Arguments.of("PUT", headers("If-Match", "\"1\"", "If-None-Match", "*")),
        Arguments.of("PUT", headers("If-None-Match", "\"5\"")),
        Arguments.of("PUT", headers("If-None-Match", "W/\"5\"")),
        Arguments.of("PUT", headers("If-None-Match", "**")),
        Arguments.of("DELETE", headers("If-Match", "5")),
        Arguments.of("DELETE", headers("If-Match", "\"9999999999999999999\"")),
        Arguments.of("DELETE", headers("If-None-Match", "*")),
        Arguments.of("GET", headers("If-None-Match", "garbage")),
        Arguments.of("GET", headers("If-None-Match", "5")),
        Arguments.of("GET", headers("If-None-Match", "\"5\" garbage")),
        Arguments.of("GET", headers("If-None-Match", "\"5\",,\"6\"")),
        Arguments.of("GET", headers("If-None-Match", "\"9999999999999999999\"")),
        Arguments.of("GET", headers("If-None-Match", "")));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badHeaders")
  void malformedConditionalHeaderIs400(String method, Map<String, String> headers) {
    String body = method.equals("PUT") ? "2" : null;
    Http.Response r = changesNothing(() -> raw(method, SENTINEL_URI, headers, body == null ? null : bytes(body)));
    assertProblem(r, 400, "invalid-header");
  }

  @Test
  void nonJsonContentTypeIs415() {
    for (String type : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x", "json")) {
      Map<String, String> h = Map.of("Content-Type", type);
      assertProblem(changesNothing(() -> server.http().put(SENTINEL_URI, "2", h)), 415, "unsupported-media-type");
      String txn = "{\"success\":[" + WITNESS_PUT + "]}";
      assertProblem(changesNothing(() -> server.http().send(HttpMethod.POST, "/v1/txn", h, txn)), 415, "unsupported-media-type");
      assertProblem(changesNothing(() -> server.http().send(HttpMethod.POST, "/v1/rollback/" + SENTINEL, h,
          "{\"toRevision\":1}")), 415, "unsupported-media-type");
    }
    assertEquals(404, server.http().get("/v1/kv/" + WITNESS).status());
  }

  @Test
  void malformedContentLengthIs400() {
    for (String length : List.of("abc", "-1", "1, 2", "99999999999999999999", "0x10", "")) {
      Http.Response r = changesNothing(() -> raw("PUT", SENTINEL_URI, Map.of("Content-Length", length), bytes("2")));
      assertProblem(r, 400, null);
    }
  }

  private static Stream<Arguments> malformedRequests() {
    return Stream.of(
        Arguments.of("GET /v1/kv/a b HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n", 400),
        Arguments.of("GET /v1/kv/a HTTP/1.1\r\nHost: x\r\n" + AUTH + "Bad header\r\n\r\n", 400),
        Arguments.of("GET /v1/kv/a HTTP/1.1\r\n\r\n", 400),
        Arguments.of("GARBAGE\r\n\r\n", 400),
        // Vert.x Web answers a target without a leading slash with 404, deliberately.
        Arguments.of("GET v1/kv/a HTTP/1.1\r\nHost: x\r\n" + AUTH + "\r\n", 404));
  }

  @ParameterizedTest(name = "[{index}] {1}")
  @MethodSource("malformedRequests")
  void malformedRequestIsAProblem(String request, int status) throws IOException {
    try (RawHttp c = connect()) {
      Http.Response r = c.write(request).readFinal();
      assertEquals(status, r.status(), () -> request + " -> " + r);
      assertProblem(r);
    }
  }

  @Test
  void oversizedHeaderBlockIs431() {
    Http.Response r = changesNothing(() -> raw("GET", SENTINEL_URI, Map.of("X-Big", "a".repeat(9000)), null));
    assertProblem(r, 431, "headers-too-large");
    Http.Response many = raw("GET", SENTINEL_URI, IntStream.range(0, 400).boxed()
        .collect(Collectors.toMap(i -> "X-H" + i, i -> "v".repeat(20))), null);
    assertProblem(many, 431, "headers-too-large");
  }

  @Test
  void overlongRequestLineIs414() {
    Http.Response r = changesNothing(() -> raw("PUT", "/v1/kv/" + "k".repeat(5000), Map.of(), bytes("1")));
    assertProblem(r, 414, "uri-too-long");
    assertProblem(raw("GET", SENTINEL_URI + "?x=" + "q".repeat(5000)), 414, "uri-too-long");
  }

  // ---- txn -------------------------------------------------------------------------------------

  private static String ops(int n, String op) {
    return IntStream.range(0, n).mapToObj(i -> "{\"op\":\"" + op + "\",\"key\":\"bad/many/" + i + "\"}")
        .collect(Collectors.joining(","));
  }

  private static String compares(int n) {
    return IntStream.range(0, n).mapToObj(i -> "{\"key\":\"bad/many/" + i + "\",\"exists\":false}")
        .collect(Collectors.joining(","));
  }

  private static Stream<Arguments> badTxns() {
    String w = WITNESS_PUT;
    return Stream.of(
        Arguments.of("an array", "[" + w + "]", "invalid-txn"),
        Arguments.of("a string", "\"txn\"", "invalid-txn"),
        Arguments.of("null", "null", "invalid-txn"),
        Arguments.of("a number", "5", "invalid-txn"),
        Arguments.of("empty body", "", "invalid-txn"),
        Arguments.of("unknown top field", "{\"success\":[" + w + "],\"then\":[]}", "invalid-txn"),
        Arguments.of("unknown op field", "{\"success\":[{\"op\":\"put\",\"key\":\"bad/x\",\"value\":1,\"ttl\":5}," + w
            + "]}", "invalid-txn"),
        Arguments.of("unknown compare field", "{\"compare\":[{\"key\":\"bad/x\",\"exists\":false,\"ver\":1}],"
            + "\"success\":[" + w + "]}", "invalid-txn"),
        Arguments.of("129 ops", "{\"success\":[" + w + "," + ops(128, "delete") + "]}", "invalid-txn"),
        Arguments.of("129 ops in failure", "{\"compare\":[{\"key\":\"" + SENTINEL + "\",\"exists\":false}],"
            + "\"success\":[" + w + "],\"failure\":[" + ops(129, "get") + "]}", "invalid-txn"),
        Arguments.of("129 compares", "{\"compare\":[" + compares(129) + "],\"success\":[" + w + "]}", "invalid-txn"),
        Arguments.of("put without value", "{\"success\":[" + w + ",{\"op\":\"put\",\"key\":\"bad/x\"}]}",
            "invalid-txn"),
        Arguments.of("get with value", "{\"success\":[" + w + ",{\"op\":\"get\",\"key\":\"bad/x\",\"value\":1}]}",
            "invalid-txn"),
        Arguments.of("delete with value", "{\"success\":[" + w + ",{\"op\":\"delete\",\"key\":\"bad/x\",\"value\":1}]}",
            "invalid-txn"),
        Arguments.of("key written twice", "{\"success\":[" + w + ",{\"op\":\"put\",\"key\":\"" + SENTINEL
            + "\",\"value\":1},{\"op\":\"put\",\"key\":\"" + SENTINEL + "\",\"value\":2}]}", "invalid-txn"),
        Arguments.of("put and delete of one key", "{\"success\":[" + w + ",{\"op\":\"delete\",\"key\":\"" + WITNESS
            + "\"}]}", "invalid-txn"),
        Arguments.of("unknown op", "{\"success\":[" + w + ",{\"op\":\"merge\",\"key\":\"bad/x\"}]}", "invalid-txn"),
        Arguments.of("op not a string", "{\"success\":[" + w + ",{\"op\":1,\"key\":\"bad/x\"}]}", "invalid-txn"),
        Arguments.of("key not a string", "{\"success\":[" + w + ",{\"op\":\"get\",\"key\":[\"bad/x\"]}]}",
            "invalid-txn"),
        Arguments.of("op without key", "{\"success\":[" + w + ",{\"op\":\"delete\"}]}", "invalid-txn"),
        Arguments.of("op not an object", "{\"success\":[" + w + ",\"put\"]}", "invalid-txn"),
        Arguments.of("branch not an array", "{\"success\":" + w + "}", "invalid-txn"),
        Arguments.of("compare without revision or exists", "{\"compare\":[{\"key\":\"bad/x\"}],\"success\":[" + w
            + "]}", "invalid-txn"),
        Arguments.of("compare revision -1", "{\"compare\":[{\"key\":\"bad/x\",\"revision\":-1}],\"success\":[" + w
            + "]}", "invalid-txn"),
        Arguments.of("compare revision a string", "{\"compare\":[{\"key\":\"bad/x\",\"revision\":\"1\"}],"
            + "\"success\":[" + w + "]}", "invalid-txn"),
        Arguments.of("compare revision a fraction", "{\"compare\":[{\"key\":\"bad/x\",\"revision\":1.5}],"
            + "\"success\":[" + w + "]}", "invalid-txn"),
        Arguments.of("compare exists a string", "{\"compare\":[{\"key\":\"bad/x\",\"exists\":\"no\"}],"
            + "\"success\":[" + w + "]}", "invalid-txn"),
        Arguments.of("invalid key in an op", "{\"success\":[" + w + ",{\"op\":\"put\",\"key\":\"a//b\",\"value\":1}]}",
            "invalid-key"),
        Arguments.of("invalid key in a compare", "{\"compare\":[{\"key\":\"../x\",\"exists\":false}],\"success\":["
            + w + "]}", "invalid-key"),
        Arguments.of("lone surrogate in a value", "{\"success\":[" + w + ",{\"op\":\"put\",\"key\":\"bad/x\","
            + "\"value\":\"\\ud800\"}]}", "invalid-json"),
        Arguments.of("NaN value", "{\"success\":[" + w + ",{\"op\":\"put\",\"key\":\"bad/x\",\"value\":NaN}]}",
            "invalid-json"),
        Arguments.of("overlong UTF-8 in a value", "{\"success\":[" + w + ",{\"op\":\"put\",\"key\":\"bad/x\","
            + "\"value\":\"\u00c0\u00af\"}]}", "invalid-json"),
        Arguments.of("value nested 65 deep", "{\"success\":[" + w + ",{\"op\":\"put\",\"key\":\"bad/x\",\"value\":"
            + "[".repeat(65) + "]".repeat(65) + "}]}", "json-too-deep"),
        Arguments.of("truncated", "{\"success\":[" + w + "]", "invalid-json"),
        Arguments.of("trailing garbage", "{\"success\":[" + w + "]} {}", "invalid-txn"),
        Arguments.of("comment", "{\"success\":[" + w + "] /* c */}", "invalid-json"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badTxns")
  void malformedTxnIs400AndAppliesNothing(String name, String body, String code) {
    // Latin-1, so that a char below 256 is one byte: the bodies are ASCII but for raw invalid UTF-8.
    Http.Response r = changesNothing(() -> raw("POST", "/v1/txn", Map.of("Content-Type", "application/json"),
        body.getBytes(ISO_8859_1)));
    assertProblem(r, 400, code);
    assertEquals(404, server.http().get("/v1/kv/" + WITNESS).status(), "no op of a rejected txn is applied");
  }

  @Test
  void txnLimitsAreInclusive() {
    Http.Response ops = server.http().post("/v1/txn", "{\"success\":[" + ops(128, "get") + "]}");
    assertEquals(200, ops.status(), ops::toString);
    assertEquals(128, ops.json().getJsonArray("results").size());
    Http.Response compares = server.http().post("/v1/txn", "{\"compare\":[" + compares(128) + "],\"success\":[]}");
    assertEquals(200, compares.status(), compares::toString);
    assertTrue(compares.json().getBoolean("succeeded"));
  }

  // ---- rollback --------------------------------------------------------------------------------

  private static Stream<String> badRollbacks() {
    return Stream.of("{}", "{\"toRevision\":0}", "{\"toRevision\":-1}", "{\"toRevision\":\"1\"}",
        "{\"toRevision\":1.5}", "{\"toRevision\":null}", "{\"toRevision\":99999999999999999999}",
        "{\"toRevision\":1,\"force\":true}", "{\"revision\":1}", "{\"toRevision\":1} {}", "{\"toRevision\":1",
        "[1]", "1", "\"1\"", "null", "");
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badRollbacks")
  void malformedRollbackIs400(String body) {
    Http.Response r = changesNothing(() -> raw("POST", "/v1/rollback/" + SENTINEL,
        Map.of("Content-Type", "application/json"), bytes(body)));
    JsonObject p = assertProblem(r, 400, null);
    assertTrue(List.of("invalid-rollback", "invalid-json").contains(p.getString("code")), r::toString);
  }

  // ---- methods and paths -----------------------------------------------------------------------

  private static Stream<Arguments> wrongMethods() {
    return Stream.of(
        Arguments.of("POST", "/v1/kv/bad/x", "GET, PUT, DELETE"),
        Arguments.of("PATCH", SENTINEL_URI, "GET, PUT, DELETE"),
        Arguments.of("DELETE", "/v1/kv", "GET"),
        Arguments.of("PUT", "/v1/kv", "GET"),
        Arguments.of("POST", "/v1/kv?prefix=bad/", "GET"),
        Arguments.of("GET", "/v1/txn", "POST"),
        Arguments.of("PUT", "/v1/txn", "POST"),
        Arguments.of("DELETE", "/v1/history/" + SENTINEL, "GET"),
        Arguments.of("GET", "/v1/rollback/" + SENTINEL, "POST"),
        Arguments.of("DELETE", "/v1/rollback/" + SENTINEL, "POST"),
        Arguments.of("POST", "/v1/watch", "GET"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("wrongMethods")
  void wrongMethodIs405WithAllow(String method, String uri, String allow) {
    Http.Response r = changesNothing(() -> raw(method, uri, Map.of(), method.equals("GET") ? null : bytes("{}")));
    assertProblem(r, 405, "method-not-allowed");
    assertEquals(allow, r.header("Allow"), r::toString);
  }

  @Test
  void unknownPathIs404Problem() {
    for (String uri : List.of("/", "/v1", "/v1/nothing", "/v2/kv/a", "/v1/kvx/a", "/health/nothing", "/v1/txn/x")) {
      assertProblem(changesNothing(() -> raw("GET", uri)), 404, "not-found");
      assertProblem(changesNothing(() -> raw("PUT", uri, Map.of(), bytes("1"))), 404, "not-found");
    }
  }

  // ---- watches ---------------------------------------------------------------------------------

  /** A WebSocket on /v1/watch whose text messages are queued as JSON objects. */
  private static final class WatchSocket implements AutoCloseable {

    private final WebSocketClient client = server.vertx().createWebSocketClient();
    private final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    private final WebSocket ws;
    private volatile boolean closed;

    WatchSocket() {
      ws = client.connect(new io.vertx.core.http.WebSocketConnectOptions().setPort(server.port())
          .setHost("127.0.0.1").setURI("/v1/watch").addHeader("Authorization", Http.ADMIN_AUTHORIZATION)).await();
      ws.textMessageHandler(text -> messages.add(new JsonObject(text)));
      ws.closeHandler(v -> closed = true);
    }

    JsonObject ask(String text) {
      ws.writeTextMessage(text).await();
      return next();
    }

    JsonObject askBinary(Buffer data) {
      ws.writeBinaryMessage(data).await();
      return next();
    }

    /** The next message that is not a progress notification. */
    JsonObject next() {
      try {
        while (true) {
          JsonObject m = messages.poll(10, TimeUnit.SECONDS);
          assertNotNull(m, "no answer from the server");
          if (!m.containsKey("progress")) {
            return m;
          }
        }
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }

    @Override
    public void close() {
      ws.close().await();
      client.close().await();
    }
  }

  private static Stream<Arguments> badWatchMessages() {
    String longId = "i".repeat(129);
    return Stream.of(
        Arguments.of("not json {", "invalid-json", null),
        Arguments.of("[{\"op\":\"watch\",\"id\":\"a\",\"key\":\"k\"}]", "invalid-json", null),
        Arguments.of("null", "invalid-json", null),
        Arguments.of("5", "invalid-json", null),
        Arguments.of("\"watch\"", "invalid-json", null),
        Arguments.of("", "invalid-json", null),
        Arguments.of("{}", "invalid-message", null),
        Arguments.of("{\"op\":\"watch\",\"key\":\"bad/k\"}", "invalid-message", null),
        Arguments.of("{\"op\":\"watch\",\"id\":5,\"key\":\"bad/k\"}", "invalid-message", null),
        Arguments.of("{\"op\":\"watch\",\"id\":\"\",\"key\":\"bad/k\"}", "invalid-message", null),
        Arguments.of("{\"op\":\"watch\",\"id\":\"" + longId + "\",\"key\":\"bad/k\"}", "invalid-message", null),
        Arguments.of("{\"op\":\"subscribe\",\"id\":\"w1\",\"key\":\"bad/k\"}", "unknown-op", "w1"),
        Arguments.of("{\"id\":\"w1\",\"key\":\"bad/k\"}", "unknown-op", "w1"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w2\"}", "invalid-message", "w2"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w3\",\"key\":\"bad/k\",\"prefix\":\"bad/\"}", "invalid-message", "w3"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w4\",\"key\":\"a//b\"}", "invalid-key", "w4"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w4\",\"key\":\"a/\"}", "invalid-key", "w4"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w5\",\"prefix\":\"a b\"}", "invalid-key", "w5"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w6\",\"key\":5}", "invalid-message", "w6"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w6\",\"prefix\":null}", "invalid-message", "w6"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w7\",\"key\":\"bad/k\",\"fromRevision\":-1}", "invalid-message", "w7"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w7\",\"key\":\"bad/k\",\"fromRevision\":\"abc\"}", "invalid-message",
            "w7"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w7\",\"key\":\"bad/k\",\"fromRevision\":1.5}", "invalid-message",
            "w7"),
        Arguments.of("{\"op\":\"watch\",\"id\":\"w7\",\"key\":\"bad/k\",\"fromRevision\":99999999999999999999}",
            "invalid-message", "w7"),
        Arguments.of("{\"op\":\"cancel\",\"id\":\"never-opened\"}", "unknown-id", "never-opened"));
  }

  @Test
  void badWatchMessagesAreAnsweredAndTheConnectionStaysOpen() {
    try (WatchSocket socket = new WatchSocket()) {
      badWatchMessages().forEach(a -> {
        Object[] args = a.get();
        JsonObject answer = socket.ask((String) args[0]);
        assertEquals(args[1], answer.getString("error"), () -> args[0] + " -> " + answer);
        assertEquals(args[2], answer.getString("id"), () -> args[0] + " -> " + answer);
        assertFalse(answer.getString("detail", "").isBlank(), answer::toString);
        assertFalse(socket.closed, "the connection was closed after " + args[0]);
      });
      JsonObject binary = socket.askBinary(Buffer.buffer("{\"op\":\"watch\",\"id\":\"b\",\"key\":\"bad/k\"}"));
      assertEquals("binary-not-supported", binary.getString("error"), binary::toString);
      assertNull(binary.getString("id"));

      String dup = "{\"op\":\"watch\",\"id\":\"dup\",\"key\":\"bad/quiet\"}";
      assertEquals(true, socket.ask(dup).getBoolean("created"));
      JsonObject again = socket.ask(dup);
      assertEquals("duplicate-id", again.getString("error"), again::toString);
      assertEquals("dup", again.getString("id"));

      // Still open and working: a valid watch is created and receives a change.
      JsonObject created = socket.ask("{\"op\":\"watch\",\"id\":\"ok\",\"key\":\"bad/watched\"}");
      assertEquals("ok", created.getString("id"));
      assertEquals(true, created.getBoolean("created"), created::toString);
      long rev = server.http().put("/v1/kv/bad/watched", "42").json().getLong("revision");
      JsonObject events = socket.next();
      assertEquals("ok", events.getString("id"), events::toString);
      assertEquals(rev, events.getJsonArray("events").getJsonObject(0).getLong("revision"));
      assertFalse(socket.closed);
    }
  }

  private static Stream<Arguments> badSseRequests() {
    return Stream.of(
        Arguments.of("/v1/watch", Map.of(), "invalid-parameter"),
        Arguments.of("/v1/watch?key=bad/k&prefix=bad/", Map.of(), "invalid-parameter"),
        Arguments.of("/v1/watch?key=bad/k&key=bad/j", Map.of(), "invalid-parameter"),
        Arguments.of("/v1/watch?key=a//b", Map.of(), "invalid-key"),
        Arguments.of("/v1/watch?key=", Map.of(), "invalid-key"),
        Arguments.of("/v1/watch?prefix=a%20b", Map.of(), "invalid-key"),
        Arguments.of("/v1/watch?key=%zz", Map.of(), "invalid-parameter"),
        Arguments.of("/v1/watch?key=bad/k&fromRevision=abc", Map.of(), "invalid-parameter"),
        Arguments.of("/v1/watch?key=bad/k&fromRevision=-1", Map.of(), "invalid-parameter"),
        Arguments.of("/v1/watch?key=bad/k", Map.of("Last-Event-ID", "abc"), "invalid-header"),
        Arguments.of("/v1/watch?key=bad/k", Map.of("Last-Event-ID", "-2"), "invalid-header"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("badSseRequests")
  void badSseRequestIs400(String uri, Map<String, String> extra, String code) {
    Map<String, String> h = new LinkedHashMap<>(extra);
    h.put("Accept", "text/event-stream");
    assertProblem(raw("GET", uri, h, null), 400, code);
  }

  @Test
  void watchWithoutUpgradeOrEventStreamIs406() {
    assertProblem(server.http().get("/v1/watch?key=bad/k"), 406, "not-acceptable");
    assertProblem(server.http().get("/v1/watch?key=bad/k", Map.of("Accept", "application/json")), 406, "not-acceptable");
  }

  /** Vert.x answers a broken handshake itself; what matters is a 4xx, no 500 and nothing logged. */
  @Test
  void brokenWebSocketHandshakeIs4xx() throws IOException {
    String upgrade = "GET /v1/watch HTTP/1.1\r\nHost: x\r\n" + AUTH + "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    try (RawHttp c = connect()) {
      Http.Response r = c.write(upgrade + "Sec-WebSocket-Version: 13\r\n\r\n").readFinal();
      assertEquals(400, r.status(), "no Sec-WebSocket-Key: " + r);
    }
    try (RawHttp c = connect()) {
      Http.Response r = c.write(upgrade + "Sec-WebSocket-Version: 99\r\n"
          + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").readFinal();
      assertEquals(426, r.status(), "unsupported version: " + r);
      assertEquals("13", r.header("Sec-WebSocket-Version"), "RFC 6455 4.4: the versions the server speaks");
    }
  }

  // ---- afterwards ------------------------------------------------------------------------------

  @Test
  @Order(Integer.MAX_VALUE)
  void afterAllOfItTheServerIsLiveAndNeverAnswered5xx() {
    assertEquals(200, server.http().get("/health/live").status());
    State now = state();
    assertEquals(SENTINEL_VALUE, now.sentinel(), "the sentinel survived every bad input");
    String metrics = server.http().get("/metrics").body().toString();
    assertTrue(metrics.contains("ssot_http_server_requests_seconds_count{code=\"400\""), "the HTTP metrics count by status");
    List<String> fiveHundreds = metrics.lines()
        .filter(l -> l.startsWith("ssot_http_server_requests_seconds_count") && l.matches(".*code=\"5\\d\\d\".*"))
        .toList();
    assertTrue(fiveHundreds.isEmpty(), () -> "5xx answered: " + fiveHundreds);
    List<String> errors = LOG.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.ERROR))
        .map(e -> e.getLoggerName() + ": " + e.getFormattedMessage()
            + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getClassName()
            + ": " + e.getThrowableProxy().getMessage()))
        .toList();
    assertTrue(errors.isEmpty(), () -> "the server logged errors: " + errors);
  }
}
