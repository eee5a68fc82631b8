/**
 * Snapshots of the whole store at one revision: the file format ({@link io.ssot.snapshot.SnapshotWriter},
 * documented in {@code docs/snapshot-format.md}), its verification and reading
 * ({@link io.ssot.snapshot.SnapshotFile}), and restoring one into an empty data directory
 * ({@link io.ssot.snapshot.SnapshotRestore}). It sits just above {@code store}: it knows nothing
 * of HTTP, PostgreSQL or Vert.x, so the CLI and scheduled backups use it as the API does.
 */
package io.ssot.snapshot;
