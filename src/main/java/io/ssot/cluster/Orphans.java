package io.ssot.cluster;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.ssot.persist.Bootstrap;
import io.ssot.persist.DivergenceCheck;
import io.ssot.persist.PgCommitReader;
import io.ssot.persist.PgLocation;
import io.ssot.protocol.Timestamps;
import io.ssot.security.ValueCipher;
import io.ssot.store.Commit;
import io.ssot.store.DataDir;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.StoreLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Revisions a node's store holds that PostgreSQL does not: an old leader coming back with writes
 * it acknowledged {@code local} and never wrote behind, or that a newer leader wrote differently at
 * the same revisions. In a cluster PostgreSQL decides, so at start-up they are saved to
 * {@code <data>/orphaned-<from>-<to>.ndjson} for an operator, the store is rebuilt from
 * PostgreSQL (the bootstrap of an empty data directory) and the node goes on: it never serves
 * them and never refuses to start because of them.
 *
 * <p>The local history is PostgreSQL's up to some revision and its own after it (revisions are
 * only ever appended), so the first revision that differs is found by a binary search: a few
 * single-revision reads, however long the history. Blocking JDBC and file writes, at start-up.
 */
public final class Orphans {

  private static final Logger LOG = LoggerFactory.getLogger(Orphans.class);
  private static final JsonFactory JSON = new JsonFactory();

  private Orphans() {
  }

  /** Local revisions {@code from..to} that PostgreSQL lacks. */
  public record Range(long from, long to) {
    public long count() {
      return to - from + 1;
    }
  }

  /** The store afterwards (the same one when nothing was orphaned) and PostgreSQL's revision it continues from. */
  public record Settled(DataDir dataDir, long persisted) {
  }

  /**
   * Saves and drops the local revisions PostgreSQL lacks, if any: the store is closed and built
   * anew from PostgreSQL. So is a store too far behind to catch up: the revisions after it are no
   * longer in PostgreSQL's history ({@code pg.historyRetentionRevisions}), only their outcome in
   * its current state. On failure the store is closed.
   *
   * @param persisted PostgreSQL's high-water mark, read at start-up
   */
  public static Settled settle(DataDir dataDir, Path dataPath, DataDir.Options options, PgLocation pg,
                               long persisted, long keepRevisions) throws IOException {
    try {
      Range orphaned = find(dataDir.store(), persisted, pg);
      if (orphaned != null) {
        Saved saved = save(dataDir.store(), orphaned, dataPath);
        LOG.warn("The local store holds {} revision(s) ({} change(s)) that PostgreSQL ({}) does not, {}..{}: "
                + "saved to {} for an operator; rebuilding the store from PostgreSQL, they will not be served",
            orphaned.count(), saved.changes(), pg, orphaned.from(), orphaned.to(), saved.file().toAbsolutePath());
      } else {
        long next = dataDir.store().revision() + 1;
        long floor = historyFloor(pg);
        if (next > persisted || next >= floor) {
          return new Settled(dataDir, persisted);
        }
        LOG.warn("The local store is at revision {} but PostgreSQL's history ({}) starts at revision {} "
                + "(pg.historyRetentionRevisions): the revisions between cannot be replayed; rebuilding the store "
                + "from PostgreSQL's current state", next - 1, pg, floor);
      }
    } catch (IOException | RuntimeException e) {
      try {
        dataDir.close();
      } catch (IOException | RuntimeException closing) {
        e.addSuppressed(closing);
      }
      throw e;
    }
    dataDir.close();
    StoreLoader.discard(dataPath);
    long rebuiltAt = Bootstrap.run(pg, dataPath, options, keepRevisions);
    return new Settled(DataDir.open(dataPath, options), rebuiltAt);
  }

  private static long historyFloor(PgLocation pg) {
    try (Connection c = pg.jdbc()) {
      return PgCommitReader.floor(c);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read where the history of " + pg + " starts: " + e.getMessage(), e);
    }
  }

  /** The local revisions PostgreSQL lacks or holds differently, or {@code null} when there are none. */
  public static Range find(MvccStore store, long persisted, PgLocation pg) {
    try (Connection c = pg.jdbc()) {
      c.setAutoCommit(false); // PgCommitReader streams through a cursor
      long lo = Math.max(Math.max(1, store.compactRevision()), PgCommitReader.floor(c));
      long hi = Math.min(store.revision(), persisted);
      long firstDiffering = hi + 1; // both hold up to hi alike, or nothing to compare
      if (lo <= hi) {
        if (!agree(c, store, lo)) {
          firstDiffering = lo; // nothing older can be compared: all that the store holds is in doubt
        } else {
          long agreeing = lo; // agree(agreeing); the first that differs is in (agreeing, firstDiffering]
          while (firstDiffering - agreeing > 1) {
            long middle = (agreeing + firstDiffering) >>> 1;
            if (agree(c, store, middle)) {
              agreeing = middle;
            } else {
              firstDiffering = middle;
            }
          }
        }
      }
      c.rollback();
      long from = Math.max(firstDiffering, store.compactRevision());
      return from > store.revision() ? null : new Range(from, store.revision());
    } catch (SQLException e) {
      throw new IllegalStateException("cannot compare the local store with " + pg + ": " + e.getMessage(), e);
    }
  }

  private static boolean agree(Connection c, MvccStore store, long revision) throws SQLException {
    Commit local = store.commitAt(revision);
    List<Commit> remote = new ArrayList<>(1);
    try {
      PgCommitReader.read(c, revision, revision, remote::add);
    } catch (PgCommitReader.MissingRevision e) {
      return false;
    }
    return local != null && DivergenceCheck.difference(local.changes(), remote.get(0).changes()) == null;
  }

  record Saved(Path file, long changes) {
  }

  /**
   * Writes every change of {@code range} as one JSON line: revision, key, value (as stored: JSON,
   * or {@code valueSealed}, the base64 envelope of a value encrypted at rest, which stays
   * encrypted) or {@code deleted}, updatedAt, updatedBy. Written to a temporary file, forced to
   * disk and renamed, so the file is whole before the store is dropped.
   */
  static Saved save(MvccStore store, Range range, Path dataPath) throws IOException {
    Path file = dataPath.resolve("orphaned-" + range.from() + "-" + range.to() + ".ndjson");
    Path partial = dataPath.resolve(file.getFileName() + ".partial");
    long changes = 0;
    try (OutputStream out = Files.newOutputStream(partial)) {
      for (long r = range.from(); r <= range.to(); r++) {
        Commit commit = store.commitAt(r);
        if (commit == null) {
          throw new IOException("revision " + r + " cannot be read from the local change log");
        }
        for (Entry change : commit.changes()) {
          writeLine(out, change);
          changes++;
        }
      }
    }
    try (FileChannel channel = FileChannel.open(partial, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return new Saved(file, changes);
  }

  private static void writeLine(OutputStream out, Entry change) throws IOException {
    try (JsonGenerator json = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      json.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
      json.writeStartObject();
      json.writeNumberField("revision", change.revision());
      json.writeStringField("key", change.key());
      if (change.isDelete()) {
        json.writeBooleanField("deleted", true);
      } else if (ValueCipher.isSealed(change.value())) {
        json.writeStringField("valueSealed", Base64.getEncoder().encodeToString(change.value()));
      } else {
        json.writeFieldName("value");
        json.writeRawValue(new String(change.value(), StandardCharsets.UTF_8));
      }
      json.writeStringField("updatedAt", Timestamps.format(change.updatedAt()));
      json.writeStringField("updatedBy", change.updatedBy());
      json.writeEndObject();
    }
    out.write('\n');
  }
}
