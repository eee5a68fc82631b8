package io.ssot;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fresh {@link PgTestDatabase} for every test, dropped after it (after the test's own
 * {@code @AfterEach} methods, which may still stop a server writing to it):
 *
 * <pre>{@code
 * @RegisterExtension
 * final PgExtension pg = new PgExtension();
 * ... pg.db().url() ...
 * }</pre>
 */
public final class PgExtension implements BeforeEachCallback, AfterEachCallback {

  private PgTestDatabase db;

  @Override
  public void beforeEach(ExtensionContext context) {
    db = PgTestDatabase.create();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (db != null) {
      PgTestDatabase dropping = db;
      db = null;
      dropping.close();
    }
  }

  /** This test's database. */
  public PgTestDatabase db() {
    if (db == null) {
      throw new IllegalStateException("no database outside a test: register the extension on a field");
    }
    return db;
  }
}
