package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.protocol.Headers;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * HTTP calls with fail-over: a call goes to the endpoint that answered last; a connection error or
 * a 503 moves on to the next endpoint, and after every endpoint was tried the call waits (backoff
 * doubling from {@link #BACKOFF_MIN} to {@link #BACKOFF_MAX}, or the server's Retry-After) and
 * tries again, until the retry budget is spent.
 *
 * <p>What is retried: a read on any I/O error; a write only when the server cannot have applied
 * it (the connection was refused, or the answer was 503, which the server sends before acting).
 * A write whose connection broke after it was sent is not retried: its outcome is unknown.
 */
final class Transport {

  static final Duration BACKOFF_MIN = Duration.ofMillis(50);
  static final Duration BACKOFF_MAX = Duration.ofSeconds(1);

  record Response(int status, HttpResponse<byte[]> raw) {
    byte[] body() {
      return raw.body();
    }

    JsonNode json() {
      return Json.parse(raw.body());
    }

    String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  private final HttpClient http;
  private final List<URI> endpoints;
  private final String token;
  private final Duration requestTimeout;
  private final Duration retryBudget;
  /** The endpoint that answered last; calls start there. */
  private volatile int preferred;

  Transport(HttpClient http, List<URI> endpoints, String token, Duration requestTimeout, Duration retryBudget) {
    this.http = http;
    this.endpoints = List.copyOf(endpoints);
    this.token = token;
    this.requestTimeout = requestTimeout;
    this.retryBudget = retryBudget;
  }

  HttpClient http() {
    return http;
  }

  List<URI> endpoints() {
    return endpoints;
  }

  int preferred() {
    return preferred;
  }

  String token() {
    return token;
  }

  /**
   * Sends the request and returns a 2xx or 304 answer; any other answer is thrown as its
   * {@link SsotException} (503 only once the retry budget is spent).
   *
   * @param read whether the call changes nothing, so that any I/O error may be retried
   */
  Response send(String method, String pathAndQuery, byte[] body, Map<String, String> headers, boolean read) {
    long deadline = System.nanoTime() + retryBudget.toNanos();
    Duration backoff = BACKOFF_MIN;
    Exception lastError = null;
    Response last503 = null;
    while (true) {
      int start = preferred;
      Duration retryAfter = null;
      for (int i = 0; i < endpoints.size(); i++) {
        int index = (start + i) % endpoints.size();
        HttpRequest request = request(endpoints.get(index), method, pathAndQuery, body, headers);
        try {
          HttpResponse<byte[]> raw = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
          Response response = new Response(raw.statusCode(), raw);
          if (response.status() == 503) {
            last503 = response;
            retryAfter = max(retryAfter, retryAfter(response));
            continue;
          }
          preferred = index;
          if (response.status() >= 400) {
            throw problem(response);
          }
          return response;
        } catch (IOException e) {
          lastError = e;
          if (!read && !neverSent(e)) {
            throw new SsotException.UnavailableException(0, "unavailable", method + " " + pathAndQuery + " to "
                + endpoints.get(index) + " broke off; whether it was applied is unknown", null, e);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new SsotException.UnavailableException(0, "unavailable", "interrupted", null, e);
        }
      }
      Duration wait = retryAfter != null ? retryAfter : jitter(backoff);
      long left = deadline - System.nanoTime();
      if (left <= 0 || wait.toNanos() > left) {
        if (last503 != null && (lastError == null)) {
          throw problem(last503);
        }
        throw new SsotException.UnavailableException(0, "unavailable", "no endpoint of " + endpoints
            + " answered " + method + " " + pathAndQuery + " within " + retryBudget
            + (last503 != null ? " (503 from some)" : ""), null, lastError);
      }
      sleep(wait);
      backoff = backoff.multipliedBy(2).compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : backoff.multipliedBy(2);
    }
  }

  /**
   * Sends a request whose answer may be large and returns a 2xx answer's body as a stream, read
   * as it arrives (the caller closes it). Each endpoint is tried once, in order from the preferred
   * one, moving on only when the connection is refused or the answer is 503: the body is not
   * replayable in general, and a long transfer is not retried halfway.
   */
  InputStream stream(String method, String pathAndQuery, HttpRequest.BodyPublisher body, String contentType) {
    Exception lastError = null;
    boolean unavailable = false;
    int start = preferred;
    for (int i = 0; i < endpoints.size(); i++) {
      int index = (start + i) % endpoints.size();
      HttpRequest.Builder b = HttpRequest.newBuilder(endpoints.get(index).resolve(pathAndQuery)).method(method, body);
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      if (contentType != null) {
        b.header("Content-Type", contentType);
      }
      try {
        HttpResponse<InputStream> raw = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (raw.statusCode() == 503) {
          unavailable = true;
          raw.body().close();
          continue;
        }
        preferred = index;
        if (raw.statusCode() >= 400) {
          try (InputStream in = raw.body()) {
            throw problem(raw.statusCode(), raw.headers().firstValue("Content-Type").orElse(null), in.readNBytes(64 << 10));
          }
        }
        return raw.body();
      } catch (IOException e) {
        lastError = e;
        if (!neverSent(e)) {
          break;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SsotException.UnavailableException(0, "unavailable", "interrupted", null, e);
      }
    }
    if (unavailable && lastError == null) {
      throw new SsotException.UnavailableException(503, "unavailable", method + " " + pathAndQuery
          + ": every endpoint of " + endpoints + " answered 503", null, null);
    }
    throw new SsotException.UnavailableException(0, "unavailable", method + " " + pathAndQuery + " failed on "
        + endpoints + (lastError == null ? "" : ": " + lastError), null, lastError);
  }

  private HttpRequest request(URI endpoint, String method, String pathAndQuery, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder b = HttpRequest.newBuilder(endpoint.resolve(pathAndQuery)).timeout(requestTimeout);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    headers.forEach(b::header);
    if (body != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofByteArray(body));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return b.build();
  }

  /** Whether the request cannot have reached the server: the connection was never made. */
  private static boolean neverSent(IOException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException) {
        return true;
      }
    }
    return false;
  }

  static SsotException problem(Response response) {
    return problem(response.status(), response.header("Content-Type"), response.body());
  }

  private static SsotException problem(int status, String type, byte[] bytes) {
    JsonNode body = null;
    String text = new String(bytes, StandardCharsets.UTF_8);
    if (type != null && (type.startsWith(Headers.PROBLEM_JSON) || type.startsWith("application/json"))) {
      try {
        body = Json.parse(bytes);
      } catch (RuntimeException notJson) {
        body = null;
      }
    }
    return SsotException.of(status, body, text.length() > 200 ? text.substring(0, 200) : text);
  }

  /** Retry-After in seconds (the only form the server sends); null when absent or malformed. */
  static Duration retryAfter(Response response) {
    String value = response.header("Retry-After");
    if (value == null) {
      return null;
    }
    try {
      return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Duration max(Duration a, Duration b) {
    if (a == null) {
      return b;
    }
    return b == null || a.compareTo(b) >= 0 ? a : b;
  }

  /** Half to all of the backoff, so that many clients do not come back at once. */
  static Duration jitter(Duration backoff) {
    long ms = backoff.toMillis();
    return Duration.ofMillis(ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1));
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SsotException.UnavailableException(0, "unavailable", "interrupted", null, e);
    }
  }
}
