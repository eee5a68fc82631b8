package io.ssot.client;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The properties of an application in its profiles, layered as Spring Cloud Config does, from
 * the keys under {@code config/}: {@code config/<app>/<profile>/…} over
 * {@code config/application/<profile>/…} over {@code config/<app>/default/…} over
 * {@code config/application/default/…}; with several profiles, a later one wins. Each key's JSON
 * value is flattened below the key's path ({@link PropertyFlattener}): {@code config/payments/prod/db}
 * = {@code {"pool":{"max":32}}} gives {@code db.pool.max} = 32.
 *
 * <p>Backed by one {@link ConfigView} of {@code config/}; the properties are rebuilt once per
 * revision that changes the view, and reads are lookups in that immutable map.
 */
public final class LayeredConfig implements AutoCloseable {

  static final String ROOT = "config/";

  private final ConfigView view;
  /** Layer prefixes, lowest precedence first. */
  private final List<String> layers = new ArrayList<>();
  private volatile Props props = new Props(0, new HashMap<>());

  /** The values map is never changed once made (a HashMap: its lookups are the fastest). */
  private record Props(long revision, HashMap<String, JsonNode> values) {
  }

  LayeredConfig(ConfigView view, String application, String... profiles) {
    this.view = view;
    layers.add(ROOT + "application/default/");
    if (!application.equals("application")) {
      layers.add(ROOT + application + "/default/");
    }
    for (String p : profiles) {
      if (p.equals("default")) {
        continue;
      }
      layers.add(ROOT + "application/" + p + "/");
      if (!application.equals("application")) {
        layers.add(ROOT + application + "/" + p + "/");
      }
    }
    view.onSnapshot(this::rebuild);
  }

  private void rebuild(ViewSnapshot s) {
    HashMap<String, JsonNode> out = new HashMap<>();
    TreeMap<String, ViewEntry> sorted = new TreeMap<>(s.entries);
    for (String layer : layers) {
      for (Map.Entry<String, ViewEntry> e : sorted.subMap(layer, true, layer + Character.MAX_VALUE, false).entrySet()) {
        PropertyFlattener.flatten(PropertyFlattener.name(e.getKey().substring(layer.length())), e.getValue().value, out);
      }
    }
    props = new Props(s.revision, out);
  }

  /** The property's value (a JSON scalar); null when no layer has it. */
  public JsonNode get(String property) {
    return props.values.get(property);
  }

  public String getString(String property, String def) {
    return TypedValues.string(props.values.get(property), def);
  }

  public int getInt(String property, int def) {
    return TypedValues.integer(props.values.get(property), def);
  }

  public long getLong(String property, long def) {
    return TypedValues.longValue(props.values.get(property), def);
  }

  public boolean getBoolean(String property, boolean def) {
    return TypedValues.bool(props.values.get(property), def);
  }

  public Duration getDuration(String property, Duration def) {
    return TypedValues.duration(props.values.get(property), def, null);
  }

  /** Every property, sorted by name. */
  public Map<String, JsonNode> properties() {
    return Collections.unmodifiableMap(new TreeMap<>(props.values));
  }

  public long revision() {
    return props.revision;
  }

  public boolean stale() {
    return view.stale();
  }

  public boolean awaitReady(Duration timeout) throws InterruptedException {
    return view.awaitReady(timeout);
  }

  /** The view under it: listeners ({@link ConfigView#onPrefix}) see the keys' changes. */
  public ConfigView view() {
    return view;
  }

  @Override
  public void close() {
    view.close();
  }
}
