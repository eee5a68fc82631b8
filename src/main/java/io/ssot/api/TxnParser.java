package io.ssot.api;

import io.ssot.http.ApiException;
import io.ssot.http.JsonValues;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.ssot.protocol.Problem;
import io.ssot.store.Keys;
import io.ssot.store.Txn;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Parses a txn body in one streaming pass. Each put's value is cut out of the body as the exact
 * bytes received (after the same checks as a PUT body), so it is stored without re-serialising.
 */
final class TxnParser {

  private final JsonValues json;
  private final int maxOps;
  private final int maxKeyBytes;
  private byte[] body;

  TxnParser(JsonValues json, int maxOps, int maxKeyBytes) {
    this.maxKeyBytes = maxKeyBytes;
    this.json = json;
    this.maxOps = maxOps;
  }

  Txn.Request parse(byte[] body) {
    this.body = body;
    JsonValues.refuseByteOrderMark(body);
    JsonValues.requireUtf8(body);
    try (JsonParser p = json.parser(body)) {
      expect(p.nextToken() == JsonToken.START_OBJECT, "the txn must be a JSON object");
      List<Txn.Compare> compare = List.of();
      List<Txn.Op> success = List.of();
      List<Txn.Op> failure = List.of();
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        switch (field) {
          case "compare" -> compare = compares(p);
          case "success" -> success = ops(p, "success");
          case "failure" -> failure = ops(p, "failure");
          default -> throw invalid("unknown txn field '" + field + "'");
        }
      }
      expect(p.nextToken() == null, "unexpected content after the txn object");
      return new Txn.Request(compare, success, failure);
    } catch (IOException e) {
      throw JsonValues.invalid(e);
    }
  }

  private List<Txn.Compare> compares(JsonParser p) throws IOException {
    expect(p.currentToken() == JsonToken.START_ARRAY, "compare must be an array");
    List<Txn.Compare> out = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      expect(p.currentToken() == JsonToken.START_OBJECT, "each compare must be an object");
      expect(out.size() < maxOps, "at most " + maxOps + " compares");
      String key = null;
      Long revision = null;
      Boolean exists = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "key" -> key = string(p, t, "compare key");
          case "revision" -> {
            expect(t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                && p.getLongValue() >= 0, "a compare revision must be a whole number >= 0");
            revision = p.getLongValue();
          }
          case "exists" -> {
            expect(t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE, "exists must be true or false");
            exists = t == JsonToken.VALUE_TRUE;
          }
          default -> throw invalid("unknown compare field '" + field + "'");
        }
      }
      expect(key != null, "each compare needs a key");
      checkKey(key);
      expect(revision != null || exists != null, "a compare needs revision or exists");
      out.add(new Txn.Compare(key, revision, exists));
    }
    return out;
  }

  private List<Txn.Op> ops(JsonParser p, String branch) throws IOException {
    expect(p.currentToken() == JsonToken.START_ARRAY, branch + " must be an array");
    List<Txn.Op> out = new ArrayList<>();
    Set<String> written = new HashSet<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      expect(p.currentToken() == JsonToken.START_OBJECT, "each op must be an object");
      expect(out.size() < maxOps, "at most " + maxOps + " ops in " + branch);
      String op = null;
      String key = null;
      byte[] value = null;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "op" -> op = string(p, t, "op");
          case "key" -> key = string(p, t, "op key");
          case "value" -> {
            int start = (int) p.currentTokenLocation().getByteOffset();
            json.skipValue(p);
            int end = (int) p.currentLocation().getByteOffset();
            value = Arrays.copyOfRange(body, start, end);
          }
          default -> throw invalid("unknown op field '" + field + "'");
        }
      }
      expect(op != null && key != null, "each op needs op and key");
      checkKey(key);
      Txn.OpType type = switch (op) {
        case "put" -> Txn.OpType.PUT;
        case "delete" -> Txn.OpType.DELETE;
        case "get" -> Txn.OpType.GET;
        default -> throw invalid("op must be put, delete or get, not '" + op + "'");
      };
      expect(type == Txn.OpType.PUT ? value != null : value == null,
          type == Txn.OpType.PUT ? "a put needs a value" : "only a put takes a value");
      if (type != Txn.OpType.GET) {
        expect(written.add(key), "key " + key + " is written twice in " + branch);
      }
      out.add(new Txn.Op(type, key, value));
    }
    return out;
  }

  private static String string(JsonParser p, JsonToken t, String what) throws IOException {
    expect(t == JsonToken.VALUE_STRING, what + " must be a string");
    return p.getText();
  }

  private void checkKey(String key) {
    String problem = Keys.problem(key);
    if (problem == null && key.length() > maxKeyBytes) {
      problem = Routes.keyTooLong(maxKeyBytes);
    }
    if (problem != null) {
      throw new ApiException(Problem.INVALID_KEY, problem);
    }
  }

  private static void expect(boolean condition, String detail) {
    if (!condition) {
      throw invalid(detail);
    }
  }

  private static ApiException invalid(String detail) {
    return new ApiException(Problem.INVALID_TXN, detail);
  }
}
