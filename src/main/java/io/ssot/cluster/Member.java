package io.ssot.cluster;

/** One row of the membership table, as last heartbeated by its node. */
public record Member(String id, String url, String role, long appliedRevision, String lastSeen) {
}
