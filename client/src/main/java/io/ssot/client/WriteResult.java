package io.ssot.client;

/**
 * What a put or delete did: the revision it was committed at. For a put, {@code created} tells a
 * new key (201) from an update, with the entry's createRevision and version; a delete has 0 there.
 */
public record WriteResult(String key, long revision, long createRevision, long version, boolean created) {
}
