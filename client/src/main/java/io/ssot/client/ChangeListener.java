package io.ssot.client;

/**
 * Told of each revision that changes something under its key or prefix, once per revision, in
 * revision order, on the client's listener thread (never the I/O thread; one thread for all
 * listeners of a client, so a slow one delays the others, never the view itself).
 */
@FunctionalInterface
public interface ChangeListener {
  void onChange(Change change);
}
