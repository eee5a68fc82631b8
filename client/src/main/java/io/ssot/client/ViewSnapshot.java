package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.protocol.ViewDigest;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A view's whole content at one revision; immutable. Its map is a HashMap that is never changed
 * once the snapshot is made (and published through a volatile field): a lookup in it is the
 * fastest there is, where {@code Map.copyOf}'s open addressing probes long runs for keys that
 * differ only at their end.
 */
public final class ViewSnapshot {

  final long revision;
  final HashMap<String, ViewEntry> entries;
  private volatile Map<String, JsonNode> values;
  private volatile String digest;

  ViewSnapshot(long revision, HashMap<String, ViewEntry> entries) {
    this.revision = revision;
    this.entries = entries;
  }

  /** The same content at a later revision (a watch's progress): the digest carries over. */
  ViewSnapshot at(long laterRevision) {
    ViewSnapshot s = new ViewSnapshot(laterRevision, entries);
    s.digest = digest;
    return s;
  }

  /**
   * The {@link ViewDigest} of the content: SHA-256 over each key, the revision of its last change
   * and its value written back compactly, in key order. Made once per content, on first call.
   */
  public String digest() {
    String d = digest;
    if (d == null) {
      ViewDigest v = new ViewDigest();
      new TreeMap<>(entries).forEach((k, e) -> v.add(k, e.revision, Json.bytes(e.value)));
      d = v.hex();
      digest = d;
    }
    return d;
  }

  static final ViewSnapshot EMPTY = new ViewSnapshot(0, new HashMap<>());

  public long revision() {
    return revision;
  }

  /** The value of a key; null when absent. */
  public JsonNode get(String key) {
    ViewEntry e = entries.get(key);
    return e == null ? null : e.value;
  }

  /** The key's revision (of its last change); -1 when absent. */
  public long revisionOf(String key) {
    ViewEntry e = entries.get(key);
    return e == null ? -1 : e.revision;
  }

  /** Every key's value, sorted by key (made once per snapshot, on first call). */
  public Map<String, JsonNode> values() {
    Map<String, JsonNode> v = values;
    if (v == null) {
      Map<String, JsonNode> m = new LinkedHashMap<>();
      new TreeMap<>(entries).forEach((k, e) -> m.put(k, e.value));
      v = Collections.unmodifiableMap(m);
      values = v;
    }
    return v;
  }

  public int size() {
    return entries.size();
  }

  ViewEntry entry(String key) {
    return entries.get(key);
  }
}
