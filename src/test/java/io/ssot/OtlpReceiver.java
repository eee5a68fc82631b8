package io.ssot;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A trace collector on loopback for tests: accepts OTLP/HTTP protobuf exports on
 * {@code /v1/traces}, keeps every body as received (to look for what must never be sent) and
 * decodes the spans: ids, name, kind, attributes and status.
 */
final class OtlpReceiver implements AutoCloseable {

  /** A received span; ids in lowercase hex, the parent's empty for a root span. */
  record Span(String traceId, String spanId, String parentSpanId, String name, int kind,
              Map<String, Object> attributes, int statusCode) {
  }

  private final HttpServer server;
  private final List<Span> spans = new ArrayList<>();
  private final List<byte[]> bodies = new ArrayList<>();

  OtlpReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/v1/traces", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      List<Span> decoded = new ArrayList<>();
      int status = 200;
      try {
        decodeRequest(body, decoded);
      } catch (RuntimeException e) {
        status = 400;
      }
      synchronized (this) {
        bodies.add(body);
        spans.addAll(decoded);
        notifyAll();
      }
      exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
  }

  /** The endpoint to give the server as {@code otel.endpoint}. */
  String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Waits up to 20 s for a span matching {@code wanted}. */
  synchronized Span await(Predicate<Span> wanted, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      for (Span s : spans) {
        if (wanted.test(s)) {
          return s;
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new AssertionError("no span " + what + " among " + spans);
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
  }

  synchronized List<Span> spans() {
    return List.copyOf(spans);
  }

  /** Whether any export so far holds {@code text} (as UTF-8 bytes), in whatever field. */
  synchronized boolean received(String text) {
    byte[] needle = text.getBytes(StandardCharsets.UTF_8);
    for (byte[] body : bodies) {
      outer:
      for (int i = 0; i + needle.length <= body.length; i++) {
        for (int j = 0; j < needle.length; j++) {
          if (body[i + j] != needle[j]) {
            continue outer;
          }
        }
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    server.stop(0);
  }

  // ---- the protobuf of opentelemetry/proto/collector/trace/v1 (only the fields used here) -------

  private static void decodeRequest(byte[] body, List<Span> out) {
    Proto request = new Proto(body, 0, body.length);
    while (request.more()) {
      int field = request.tag();
      if (field == 1) { // ResourceSpans
        Proto resourceSpans = request.message();
        while (resourceSpans.more()) {
          if (resourceSpans.tag() == 2) { // ScopeSpans
            Proto scopeSpans = resourceSpans.message();
            while (scopeSpans.more()) {
              if (scopeSpans.tag() == 2) {
                out.add(span(scopeSpans.message()));
              } else {
                scopeSpans.skip();
              }
            }
          } else {
            resourceSpans.skip();
          }
        }
      } else {
        request.skip();
      }
    }
  }

  private static Span span(Proto p) {
    String traceId = "";
    String spanId = "";
    String parent = "";
    String name = "";
    int kind = 0;
    int status = 0;
    Map<String, Object> attributes = new LinkedHashMap<>();
    while (p.more()) {
      switch (p.tag()) {
        case 1 -> traceId = HexFormat.of().formatHex(p.bytes());
        case 2 -> spanId = HexFormat.of().formatHex(p.bytes());
        case 4 -> parent = HexFormat.of().formatHex(p.bytes());
        case 5 -> name = new String(p.bytes(), StandardCharsets.UTF_8);
        case 6 -> kind = (int) p.varint();
        case 9 -> {
          Proto kv = p.message();
          String key = null;
          Object value = null;
          while (kv.more()) {
            int f = kv.tag();
            if (f == 1) {
              key = new String(kv.bytes(), StandardCharsets.UTF_8);
            } else if (f == 2) {
              value = anyValue(kv.message());
            } else {
              kv.skip();
            }
          }
          attributes.put(key, value);
        }
        case 15 -> {
          Proto s = p.message();
          while (s.more()) {
            if (s.tag() == 3) {
              status = (int) s.varint();
            } else {
              s.skip();
            }
          }
        }
        default -> p.skip();
      }
    }
    return new Span(traceId, spanId, parent, name, kind, attributes, status);
  }

  private static Object anyValue(Proto p) {
    Object value = null;
    while (p.more()) {
      switch (p.tag()) {
        case 1 -> value = new String(p.bytes(), StandardCharsets.UTF_8);
        case 2 -> value = p.varint() != 0;
        case 3 -> value = p.varint();
        default -> p.skip();
      }
    }
    return value;
  }

  /** A reader of protobuf's wire format over {@code buf[pos, end)}. */
  private static final class Proto {
    private final byte[] buf;
    private int pos;
    private final int end;
    private int wireType;

    Proto(byte[] buf, int pos, int end) {
      this.buf = buf;
      this.pos = pos;
      this.end = end;
    }

    boolean more() {
      return pos < end;
    }

    int tag() {
      long tag = varint();
      wireType = (int) (tag & 7);
      return (int) (tag >>> 3);
    }

    long varint() {
      long result = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = buf[pos++];
        result |= (long) (b & 0x7f) << shift;
        if (b >= 0) {
          return result;
        }
      }
      throw new IllegalArgumentException("malformed varint");
    }

    byte[] bytes() {
      int length = (int) varint();
      byte[] out = java.util.Arrays.copyOfRange(buf, pos, pos + length);
      pos += length;
      return out;
    }

    Proto message() {
      int length = (int) varint();
      Proto inner = new Proto(buf, pos, pos + length);
      pos += length;
      return inner;
    }

    void skip() {
      switch (wireType) {
        case 0 -> varint();
        case 1 -> pos += 8;
        case 2 -> {
          int length = (int) varint(); // read before pos is: "pos += varint()" would add to the old pos
          pos += length;
        }
        case 5 -> pos += 4;
        default -> throw new IllegalArgumentException("wire type " + wireType);
      }
    }
  }
}
