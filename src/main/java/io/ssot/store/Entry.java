package io.ssot.store;

/**
 * One version of a key. {@code value} holds the JSON bytes exactly as they were received; it is
 * {@code null} for a delete marker, which appears only in the change log and in history.
 *
 * @param revision       the revision that wrote this version (mod revision)
 * @param createRevision the revision that created the key (after its last delete)
 * @param version        writes since creation, 1 on create
 * @param prevRevision   the revision of the key's previous change (put or delete), 0 if none;
 *                       history walks the change log backwards through this link
 * @param updatedAt      epoch milliseconds of the commit
 * @param updatedBy      the principal that wrote it
 */
public record Entry(String key, byte[] value, long revision, long createRevision, long version,
                    long prevRevision, long updatedAt, String updatedBy) {

  public boolean isDelete() {
    return value == null;
  }
}
