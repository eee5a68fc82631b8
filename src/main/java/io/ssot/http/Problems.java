package io.ssot.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import java.util.Map;

/** Writes {@link ApiException}s as {@code application/problem+json}. */
public final class Problems {

  private Problems() {
  }

  public static void send(HttpServerResponse response, ApiException problem) {
    if (response.headWritten()) {
      response.reset();
      return;
    }
    problem.headers().forEach(response::putHeader);
    response.setStatusCode(problem.status())
        .putHeader("Content-Type", "application/problem+json")
        .end(body(problem));
  }

  /** Extra members are numbers, strings, or lists of objects with string members (violations). */
  public static Buffer body(ApiException problem) {
    JsonWriter json = new JsonWriter(256).beginObject()
        .field("type", "urn:ssot:problem:" + problem.code())
        .field("title", title(problem.status()))
        .field("status", problem.status())
        .field("detail", problem.detail())
        .field("code", problem.code());
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
      } else {
        json.field(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    return json.endObject().buffer();
  }

  public static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 408 -> "Request Timeout";
      case 410 -> "Gone";
      case 412 -> "Precondition Failed";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 422 -> "Unprocessable Content";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 503 -> "Service Unavailable";
      case 507 -> "Insufficient Storage";
      default -> status >= 500 ? "Internal Server Error" : "Client Error";
    };
  }
}
