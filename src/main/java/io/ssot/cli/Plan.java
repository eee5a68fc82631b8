package io.ssot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.client.Entry;
import io.ssot.client.Listing;
import io.ssot.client.Txn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What it takes to make the keys under a prefix equal the files: keys to add, to change and to
 * remove, each with the revision it was seen at, and the one transaction that does it only if
 * none of them moved since ({@link #txn}).
 */
record Plan(String prefix, long revision, List<Change> changes) {

  enum Kind { added, changed, removed }

  /** One key's change; {@code seenRevision} 0 for a key that did not exist. */
  record Change(Kind kind, String key, long seenRevision, JsonNode before, JsonNode after) {
  }

  static Plan of(String prefix, Listing stored, Map<String, JsonNode> files) {
    Map<String, Entry> current = new LinkedHashMap<>();
    stored.entries().forEach(e -> current.put(e.key(), e));
    List<Change> changes = new ArrayList<>();
    files.forEach((key, value) -> {
      Entry e = current.get(key);
      if (e == null) {
        changes.add(new Change(Kind.added, key, 0, null, value));
      } else if (!value.equals(e.value())) {
        changes.add(new Change(Kind.changed, key, e.revision(), e.value(), value));
      }
    });
    current.forEach((key, e) -> {
      if (!files.containsKey(key)) {
        changes.add(new Change(Kind.removed, key, e.revision(), e.value(), null));
      }
    });
    changes.sort((a, b) -> a.key().compareTo(b.key()));
    return new Plan(prefix, stored.revision(), List.copyOf(changes));
  }

  /**
   * Every change, guarded: an added key must still be absent, a changed or removed one still at
   * the revision seen. If any guard fails, nothing is written and the failure branch reads the
   * keys back, so that {@link #moved} can name those that changed.
   */
  Txn txn() {
    Txn txn = Txn.create();
    for (Change c : changes) {
      if (c.kind() == Kind.added) {
        txn.compareExists(c.key(), false).put(c.key(), c.after());
      } else {
        txn.compareRevision(c.key(), c.seenRevision());
        if (c.kind() == Kind.changed) {
          txn.put(c.key(), c.after());
        } else {
          txn.delete(c.key());
        }
      }
      txn.orElseGet(c.key());
    }
    return txn;
  }

  /** The keys whose state differs from the one seen, from the failure branch's reads. */
  List<String> moved(List<JsonNode> reads) {
    List<String> moved = new ArrayList<>();
    for (int i = 0; i < changes.size() && i < reads.size(); i++) {
      Change c = changes.get(i);
      JsonNode read = reads.get(i);
      long now = read.path("found").asBoolean(true) ? read.path("revision").asLong() : 0;
      if (now != c.seenRevision()) {
        moved.add(c.key());
      }
    }
    return moved;
  }

  void print(Output out) {
    if (out.format == Output.Format.table || out.format == Output.Format.raw) {
      for (Change c : changes) {
        switch (c.kind()) {
          case added -> out.line("+ " + c.key() + "  " + Output.value(c.after()));
          case changed -> out.line("~ " + c.key() + "  " + Output.value(c.before()) + " -> " + Output.value(c.after()));
          case removed -> out.line("- " + c.key());
        }
      }
      out.line(count(Kind.added) + " to add, " + count(Kind.changed) + " to change, " + count(Kind.removed)
          + " to remove under '" + prefix + "' (at revision " + revision + ")");
    } else {
      out.json(this);
    }
  }

  long count(Kind kind) {
    return changes.stream().filter(c -> c.kind() == kind).count();
  }

  /** PREFIX as a directory's keys start: with a trailing slash unless empty. */
  static String normalize(String prefix) {
    return prefix.isEmpty() || prefix.endsWith("/") ? prefix : prefix + "/";
  }
}
