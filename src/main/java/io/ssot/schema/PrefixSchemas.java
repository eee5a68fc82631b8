package io.ssot.schema;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.store.Commit;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SystemKeys;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The schemas in force, compiled, by prefix. A schema is stored like a key, at
 * {@code ~sys/schemas/<prefix>}, so it is versioned, carries its principal and reaches the change
 * log and PostgreSQL; this registry is built from the store once the key index is ready and kept
 * current from every commit that touches a schema key, whichever way the commit arrived.
 *
 * <p>A schema on prefix {@code p} applies to the key {@code p} and to every key below it
 * ({@code p/...}): prefixes are whole key segments, so a schema on {@code app} does not reach
 * {@code apple}. When prefixes nest, every applicable schema must be satisfied.
 */
public final class PrefixSchemas {

  private static final Logger LOG = LoggerFactory.getLogger(PrefixSchemas.class);

  private final MvccStore store;
  private final JsonSchemas schemas;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  /** Replaced whole on every change, so that a lookup reads it without a lock. */
  private volatile Map<String, JsonSchemas.Compiled> byPrefix = Map.of();

  public PrefixSchemas(MvccStore store, JsonSchemas schemas) {
    this.store = store;
    this.schemas = schemas;
    store.addCommitObserver(this::onCommit);
    store.listingReady().thenRun(this::load).exceptionally(e -> {
      ready.completeExceptionally(e);
      return null;
    });
  }

  /** Completes when the stored schemas are loaded; writes wait for it after a start. */
  public CompletableFuture<Void> ready() {
    return ready;
  }

  public JsonSchemas compiler() {
    return schemas;
  }

  /** Whether any schema applies to {@code key}: a map lookup per key segment, none when there are no schemas. */
  public boolean applies(String key) {
    Map<String, JsonSchemas.Compiled> current = byPrefix;
    return !current.isEmpty() && !applicable(current, key).isEmpty();
  }

  /**
   * Checks {@code value} (JSON) for {@code key} against every schema that applies to it.
   *
   * @throws SchemaViolation listing every violation when it breaks one
   */
  public void check(String key, byte[] value) {
    Map<String, JsonSchemas.Compiled> current = byPrefix;
    if (current.isEmpty()) {
      return;
    }
    List<JsonSchemas.Compiled> applicable = applicable(current, key);
    if (applicable.isEmpty()) {
      return;
    }
    JsonNode node = schemas.parse(value);
    List<Violation> violations = new ArrayList<>();
    for (JsonSchemas.Compiled schema : applicable) {
      violations.addAll(schemas.violations(schema, node));
    }
    if (!violations.isEmpty()) {
      throw new SchemaViolation(key, violations);
    }
  }

  /** The schemas of {@code key}'s own name and of each of its parent segments, outermost first. */
  private static List<JsonSchemas.Compiled> applicable(Map<String, JsonSchemas.Compiled> current, String key) {
    List<JsonSchemas.Compiled> found = new ArrayList<>(2);
    for (int slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      JsonSchemas.Compiled schema = current.get(key.substring(0, slash));
      if (schema != null) {
        found.add(schema);
      }
    }
    JsonSchemas.Compiled own = current.get(key);
    if (own != null) {
      found.add(own);
    }
    return found;
  }

  private void onCommit(Commit commit) {
    for (Entry change : commit.changes()) {
      if (change.key().startsWith(SystemKeys.SCHEMAS)) {
        refresh(change.key().substring(SystemKeys.SCHEMAS.length()));
      }
    }
  }

  /**
   * Reads the prefix's schema from the store as it is now, not from the commit that announced
   * the change: when two changes' notifications arrive out of order, the later reading still
   * ends with the latest schema.
   */
  private synchronized void refresh(String prefix) {
    Map<String, JsonSchemas.Compiled> next = new HashMap<>(byPrefix);
    Entry stored = store.get(SystemKeys.SCHEMAS + prefix);
    if (stored == null) {
      next.remove(prefix);
    } else {
      JsonSchemas.Compiled compiled = compileStored(prefix, stored);
      if (compiled != null) {
        next.put(prefix, compiled);
      }
    }
    byPrefix = Map.copyOf(next);
  }

  private synchronized void load() {
    Map<String, JsonSchemas.Compiled> loaded = new HashMap<>();
    String after = null;
    while (true) {
      MvccStore.ListPage page = store.list(SystemKeys.SCHEMAS, after, 1000);
      for (Entry e : page.items()) {
        String prefix = e.key().substring(SystemKeys.SCHEMAS.length());
        JsonSchemas.Compiled compiled = compileStored(prefix, e);
        if (compiled != null) {
          loaded.put(prefix, compiled);
        }
      }
      if (!page.more()) {
        break;
      }
      after = page.items().get(page.items().size() - 1).key();
    }
    byPrefix = Map.copyOf(loaded);
    if (!loaded.isEmpty()) {
      LOG.info("{} JSON Schema(s) in force on prefixes {}", loaded.size(), new java.util.TreeSet<>(loaded.keySet()));
    }
    ready.complete(null);
  }

  /** A stored schema was accepted when it was written; failing now means the library changed. */
  private JsonSchemas.Compiled compileStored(String prefix, Entry stored) {
    try {
      return schemas.compile(prefix, stored.value());
    } catch (InvalidSchema e) {
      LOG.error("The stored schema of prefix {} (revision {}) no longer compiles and is not enforced: {}",
          prefix, stored.revision(), e.getMessage());
      return null;
    }
  }
}
