package io.ssot.api;

import io.ssot.cluster.ClusterNode;
import io.ssot.cluster.Member;
import io.ssot.http.JsonWriter;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /v1/cluster}: the leader, this node and the members, for any valid token (SPEC section 9). */
public final class ClusterRoutes {

  private final ClusterNode node;

  public ClusterRoutes(ClusterNode node) {
    this.node = node;
  }

  public void mount(Router router) {
    router.get("/v1/cluster").setName("/v1/cluster").handler(this::describe);
  }

  private void describe(RoutingContext ctx) {
    JsonWriter json = new JsonWriter(512).beginObject();
    String leaderId = node.leaderId();
    if (leaderId == null) {
      json.nullField("leader");
    } else {
      json.beginObject("leader").field("id", leaderId).field("url", node.leaderUrl()).field("term", node.term())
          .endObject();
    }
    json.beginObject("self")
        .field("id", node.self() == null ? null : node.self().id())
        .field("role", node.role().label())
        .field("appliedRevision", node.appliedRevision())
        .endObject();
    json.beginArray("members");
    for (Member m : node.members()) {
      json.beginObject().field("id", m.id()).field("url", m.url()).field("role", m.role())
          .field("appliedRevision", m.appliedRevision()).field("lastSeen", m.lastSeen()).endObject();
    }
    json.endArray().endObject();
    ctx.response().putHeader("Content-Type", "application/json").end(json.buffer());
  }
}
