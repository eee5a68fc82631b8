package io.ssot.http;

import io.ssot.protocol.Headers;
import io.ssot.protocol.Problem;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes {@link ApiException}s as {@code application/problem+json}, with the catalogue's type and title. */
public final class Problems {

  private static final Logger LOG = LoggerFactory.getLogger(Problems.class);

  private Problems() {
  }

  public static void send(HttpServerResponse response, ApiException problem) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("Answered {} {}: {}", problem.status(), problem.code(), problem.detail());
    }
    problem.headers().forEach(response::putHeader);
    response.setStatusCode(problem.status())
        .putHeader("Content-Type", Headers.PROBLEM_JSON)
        .end(body(problem, response.headers().get(Headers.REQUEST_ID)));
  }

  public static Buffer body(ApiException problem) {
    return body(problem, null);
  }

  /**
   * Extra members are numbers, strings, objects with string members (a leader) or lists of them
   * (violations).
   *
   * @param requestId the request's id ({@link RequestIds}), written as {@code requestId}; null: none
   */
  public static Buffer body(ApiException problem, String requestId) {
    JsonWriter json = new JsonWriter(256).beginObject()
        .field("type", problem.problem().type(problem.status()))
        .field("title", Problem.title(problem.status()))
        .field("status", problem.status())
        .field("detail", problem.detail())
        .field("code", problem.code());
    if (requestId != null) {
      json.field("requestId", requestId);
    }
    for (Map.Entry<String, Object> e : problem.extra().entrySet()) {
      if (e.getValue() instanceof Number n) {
        json.field(e.getKey(), n.longValue());
      } else if (e.getValue() instanceof List<?> items) {
        json.beginArray(e.getKey());
        for (Object item : items) {
          json.beginObject();
          ((Map<?, ?>) item).forEach((name, value) -> json.field(String.valueOf(name), String.valueOf(value)));
          json.endObject();
        }
        json.endArray();
      } else if (e.getValue() instanceof Map<?, ?> object) {
        json.beginObject(e.getKey());
        object.forEach((name, value) -> json.field(String.valueOf(name), String.valueOf(value)));
        json.endObject();
      } else {
        json.field(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    return json.endObject().buffer();
  }
}
