package io.ssot.client;

/** A write's {@code durability}: acknowledged once in the local store, or once it survives a machine crash. */
public enum Durability {
  LOCAL, SYNC;

  String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
