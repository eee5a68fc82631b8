package io.ssot.protocol;

/**
 * One change in a watch: a put with the entry as it now is, or a delete. Encoded by
 * {@link WatchEncoder#event}: {@code {"type":"put","key":…,"value":…,"revision":…,"createRevision":…,
 * "version":…,"updatedAt":…,"updatedBy":…}}, a delete without value, createRevision and version.
 *
 * @param value     the value's JSON bytes as stored (not copied); null for a delete
 * @param updatedAt milliseconds since the epoch, sent as {@link Timestamps#format}
 */
public record Event(Type type, String key, byte[] value, long revision, long createRevision, long version,
                    long updatedAt, String updatedBy) {

  public enum Type {
    PUT("put"), DELETE("delete");

    private final String wire;

    Type(String wire) {
      this.wire = wire;
    }

    /** Its {@code type} on the wire. */
    public String wire() {
      return wire;
    }
  }

  public static Event put(String key, byte[] value, long revision, long createRevision, long version,
                          long updatedAt, String updatedBy) {
    return new Event(Type.PUT, key, value, revision, createRevision, version, updatedAt, updatedBy);
  }

  public static Event delete(String key, long revision, long updatedAt, String updatedBy) {
    return new Event(Type.DELETE, key, null, revision, 0, 0, updatedAt, updatedBy);
  }
}
