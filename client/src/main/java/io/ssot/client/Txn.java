package io.ssot.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An atomic transaction: compares, then the success ops if all hold, else the failure ops, all at
 * one revision. {@code Txn.create().compareRevision("a", 7).put("a", v).orElseGet("a")}.
 */
public final class Txn {

  private final ObjectNode body = Json.MAPPER.createObjectNode();
  private final ArrayNode compare = body.putArray("compare");
  private final ArrayNode success = body.putArray("success");
  private final ArrayNode failure = body.putArray("failure");

  private Txn() {
  }

  public static Txn create() {
    return new Txn();
  }

  /** Holds if the key's revision is {@code revision}. */
  public Txn compareRevision(String key, long revision) {
    compare.addObject().put("key", key).put("revision", revision);
    return this;
  }

  /** Holds if the key exists ({@code true}) or does not. */
  public Txn compareExists(String key, boolean exists) {
    compare.addObject().put("key", key).put("exists", exists);
    return this;
  }

  public Txn put(String key, Object value) {
    success.addObject().put("op", "put").put("key", key).set("value", Json.MAPPER.valueToTree(value));
    return this;
  }

  public Txn delete(String key) {
    success.addObject().put("op", "delete").put("key", key);
    return this;
  }

  public Txn get(String key) {
    success.addObject().put("op", "get").put("key", key);
    return this;
  }

  public Txn orElsePut(String key, Object value) {
    failure.addObject().put("op", "put").put("key", key).set("value", Json.MAPPER.valueToTree(value));
    return this;
  }

  public Txn orElseDelete(String key) {
    failure.addObject().put("op", "delete").put("key", key);
    return this;
  }

  public Txn orElseGet(String key) {
    failure.addObject().put("op", "get").put("key", key);
    return this;
  }

  ObjectNode body() {
    return body;
  }
}
