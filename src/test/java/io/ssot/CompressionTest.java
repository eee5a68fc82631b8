package io.ssot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.snapshot.SnapshotFile;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code http.compression}: large answers are gzipped for a client that accepts it, over HTTP/1.1
 * and h2c; a single-key GET (fast path or not, however large), a small answer and an SSE stream
 * never are.
 */
class CompressionTest {

  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().build();

  private static final Map<String, String> GZIP = Map.of("Accept-Encoding", "gzip");

  @BeforeAll
  static void fill() {
    for (int i = 0; i < 60; i++) {
      assertEquals(201, server.http().put("/v1/kv/gz/key-" + i,
          "{\"description\":\"a value that repeats itself, as configuration does\",\"n\":" + i + "}").status());
      assertEquals(201, server.http().put("/v1/kv/config/gzapp/default/key-" + i,
          "{\"description\":\"a value that repeats itself, as configuration does\",\"n\":" + i + "}").status());
    }
  }

  @Test
  void aLargeListIsGzippedAndReadsTheSame() throws IOException {
    try (Http h1 = new Http(server.vertx(), server.port()); Http h2 = Http.h2c(server.vertx(), server.port())) {
      for (Http http : List.of(h1, h2)) {
        Http.Response plain = http.get("/v1/kv?prefix=gz/");
        assertNull(plain.header("Content-Encoding"), "not asked for: not compressed");
        Http.Response gzipped = http.get("/v1/kv?prefix=gz/", GZIP);
        assertEquals(200, gzipped.status());
        assertEquals("gzip", gzipped.header("Content-Encoding"), gzipped.version().toString());
        assertTrue(gzipped.body().length() * 3 < plain.body().length(),
            gzipped.body().length() + " compressed bytes of " + plain.body().length());
        JsonObject expanded = new JsonObject(gunzip(gzipped.body()));
        assertEquals(new JsonObject(plain.body()).getJsonArray("items"), expanded.getJsonArray("items"));
        assertEquals("gzip", http.get("/metrics", GZIP).header("Content-Encoding"));
        Http.Response spring = http.get("/config/gzapp/default", GZIP);
        assertEquals("gzip", spring.header("Content-Encoding"), "a Spring config document");
        assertEquals(60, new JsonObject(gunzip(spring.body())).getJsonArray("propertySources").getJsonObject(0)
            .getJsonObject("source").size() / 2, "its 60 keys, two properties each");
        assertNull(http.get("/v1/kv?prefix=gz/", Map.of("Accept-Encoding", "gzip;q=0, br")).header("Content-Encoding"),
            "refused with q=0");
        // The API document and the web console's files too.
        for (String path : List.of("/openapi.json", "/ui/app.js")) {
          Http.Response file = http.anonymous().get(path, GZIP);
          assertEquals("gzip", file.header("Content-Encoding"), path);
          assertEquals(http.anonymous().get(path).body().toString(), gunzip(file.body()), path);
        }
      }
    }
  }

  @Test
  void aListOverSixtyFourKibIsGzippedOffTheEventLoopAndReadsTheSame() throws IOException {
    String value = "{\"text\":\"" + "repeated configuration text ".repeat(400) + "\"}"; // 11 KiB
    for (int i = 0; i < 10; i++) {
      assertEquals(201, server.http().put("/v1/kv/gzbig/key-" + i, value).status());
    }
    Http http = server.http();
    Http.Response plain = http.get("/v1/kv?prefix=gzbig/");
    assertTrue(plain.body().length() > 64 << 10, "a list of " + plain.body().length() + " bytes");
    Http.Response gzipped = http.get("/v1/kv?prefix=gzbig/", Map.of("Accept-Encoding", "deflate, gzip;q=0.5"));
    assertEquals("gzip", gzipped.header("Content-Encoding"));
    assertEquals(new JsonObject(plain.body()).getJsonArray("items"),
        new JsonObject(gunzip(gzipped.body())).getJsonArray("items"));
  }

  @Test
  void aSingleKeyGetOrASmallAnswerIsNeverCompressed() {
    String large = "{\"text\":\"" + "configuration ".repeat(300) + "\"}"; // 4 KiB: above the 1 KiB threshold
    assertEquals(201, server.http().put("/v1/kv/gz/large-value", large).status());
    try (Http h1 = new Http(server.vertx(), server.port()); Http h2 = Http.h2c(server.vertx(), server.port())) {
      for (Http http : List.of(h1, h2)) {
        for (int read = 0; read < 3; read++) { // the first reads, then the hot key's kept answer
          for (String uri : List.of("/v1/kv/gz/large-value", "/v1/kv/gz/large-value?raw=true",
              "/v1/kv/gz/large%2Dvalue")) { // the last only the router answers
            Http.Response answer = http.get(uri, GZIP);
            assertEquals(200, answer.status());
            assertEquals(null, answer.header("Content-Encoding"), uri + " over " + answer.version());
            assertTrue(answer.body().toString().contains("configuration configuration"), uri);
          }
        }
        Http.Response problem = http.get("/v1/kv/gz/absent", GZIP);
        assertEquals(404, problem.status());
        assertNull(problem.header("Content-Encoding"), "a small answer over " + problem.version());
        assertEquals("key-not-found", problem.json().getString("code"));
      }
    }
  }

  @Test
  void anSseStreamIsNotCompressed() throws Exception {
    for (HttpVersion version : List.of(HttpVersion.HTTP_1_1, HttpVersion.HTTP_2)) {
      HttpClient client = server.vertx().createHttpClient(new HttpClientOptions().setProtocolVersion(version)
          .setHttp2ClearTextUpgrade(false).setDefaultHost("127.0.0.1").setDefaultPort(server.port()));
      try {
        CompletableFuture<String> encoding = new CompletableFuture<>();
        CompletableFuture<Void> firstEvent = new CompletableFuture<>();
        Buffer received = Buffer.buffer();
        client.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/v1/watch?prefix=gz/&fromRevision=1"))
            .compose(req -> req.putHeader("Authorization", Http.ADMIN_AUTHORIZATION)
                .putHeader("Accept", "text/event-stream").putHeader("Accept-Encoding", "gzip").send()
                .onSuccess(resp -> {
                  encoding.complete(String.valueOf(resp.getHeader("Content-Encoding")));
                  resp.handler(chunk -> {
                    received.appendBuffer(chunk);
                    if (received.toString().contains("gz/key-")) {
                      firstEvent.complete(null);
                    }
                  });
                }))
            .onFailure(encoding::completeExceptionally);
        assertEquals("null", encoding.get(10, TimeUnit.SECONDS), version.toString());
        firstEvent.get(10, TimeUnit.SECONDS); // events readable as they are: not compressed
      } finally {
        client.close().await();
      }
    }
  }

  @Test
  void aSnapshotStreamsGzippedWhenAskedAndVerifiesOnceExpanded(@TempDir Path dir) throws IOException {
    for (int i = 0; i < 2_100; i++) { // more than two of the stream's pages
      assertEquals(201, server.http().put("/v1/kv/snap/key-" + i, "{\"n\":" + i + "}").status());
    }
    try (Http h1 = new Http(server.vertx(), server.port()); Http h2 = Http.h2c(server.vertx(), server.port())) {
      for (Http http : List.of(h1, h2)) {
        Http.Response plain = http.get("/v1/snapshot");
        assertNull(plain.header("Content-Encoding"), "not asked for: not compressed");
        Http.Response gzipped = http.get("/v1/snapshot", GZIP);
        assertEquals(200, gzipped.status());
        assertEquals("gzip", gzipped.header("Content-Encoding"), gzipped.version().toString());
        assertTrue(gzipped.body().length() * 3 < plain.body().length(),
            gzipped.body().length() + " compressed bytes of " + plain.body().length());
        Path file = dir.resolve("snapshot-" + gzipped.version());
        Files.writeString(file, gunzip(gzipped.body()));
        SnapshotFile.Summary summary = SnapshotFile.verify(file);
        List<String> expanded = Files.readAllLines(file);
        List<String> sent = List.of(plain.body().toString().split("\n"));
        assertEquals(sent.size(), expanded.size());
        assertEquals(sent.size() - 2, summary.count(), "every entry between the header and the trailer");
        assertEquals(sent.subList(1, sent.size() - 1), expanded.subList(1, expanded.size() - 1),
            "the same entries as the plain answer");
      }
    }
  }

  private static String gunzip(Buffer body) throws IOException {
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(body.getBytes()))) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
