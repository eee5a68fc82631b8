package io.ssot.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.schema.InvalidSchema;
import io.ssot.schema.JsonSchemas;
import io.ssot.schema.PrefixSchemas;
import io.ssot.schema.SchemaViolation;
import io.ssot.security.Grant;
import io.ssot.security.Role;
import io.ssot.security.TokenRegistry;
import io.ssot.security.ValueCipher;
import io.ssot.store.ChangeLog;
import io.ssot.store.Entry;
import io.ssot.store.InMemoryKvStore;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.store.StoreException;
import io.ssot.store.SystemKeys;
import io.ssot.store.Txn;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The door for writes without HTTP: each kind of write reaches the store with its admission
 * (schemas, encryption at rest, durability) applied in order, and a refused write changes nothing.
 */
class WritesTest {

  static {
    System.setProperty("chronicle.analytics.disable", "true");
    System.setProperty("chronicle.announcer.disable", "true");
  }

  private static final String BY = "alice";
  private static final byte[] PORT_SCHEMA = json("{\"type\":\"object\",\"required\":[\"port\"]}");

  @TempDir
  Path dir;

  private final Vertx vertx = Vertx.vertx();
  private final Context loop = vertx.getOrCreateContext();
  private final FakeDurability durability = new FakeDurability();
  private MvccStore store;
  private Writes writes;

  @BeforeEach
  void open() throws Exception {
    store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(), ChangeLog.open(dir.resolve("log"), 1 << 16, 1),
        false, System::currentTimeMillis);
    Path keyFile = Files.write(dir.resolve("key"), new byte[32]);
    ValueCipher cipher = ValueCipher.configure(keyFile.toString(), "secret/");
    writes = new Writes(store, new PrefixSchemas(store, new JsonSchemas()), cipher, durability, null);
  }

  @AfterEach
  void close() {
    store.close();
    vertx.close();
  }

  @Test
  void putAndDeleteCommitWithTheirAuthorAndPrecondition() throws Exception {
    MvccStore.WriteResult first = await(() -> writes.put("app/db", json("{\"port\":1}"), Precondition.ABSENT, BY,
        false));
    assertTrue(first.created());
    assertEquals(store.revision(), first.entry().revision());
    assertEquals(BY, store.get("app/db").updatedBy());

    MvccStore.WriteResult second = await(() -> writes.put("app/db", json("{\"port\":2}"),
        Precondition.revision(first.entry().revision()), BY, false));
    assertFalse(second.created());
    assertEquals("{\"port\":2}", text(store.get("app/db")));

    long before = store.revision();
    StoreException.PreconditionFailed stale = assertInstanceOf(StoreException.PreconditionFailed.class,
        refusal(() -> writes.put("app/db", json("{\"port\":3}"), Precondition.revision(first.entry().revision()), BY,
            false)));
    assertEquals(second.entry().revision(), stale.currentRevision());
    assertEquals(before, store.revision());

    Entry marker = await(() -> writes.delete("app/db", Precondition.NONE, BY, false));
    assertTrue(marker.isDelete());
    assertNull(store.get("app/db"));
    assertNull(await(() -> writes.delete("app/db", Precondition.NONE, BY, false)), "nothing to delete");
    assertEquals(marker.revision(), store.revision());
  }

  @Test
  void txnCommitsItsBranchAtOneRevision() throws Exception {
    await(() -> writes.put("a", json("1"), Precondition.NONE, BY, false));
    long aRevision = store.revision();
    Txn.Request txn = new Txn.Request(List.of(new Txn.Compare("a", aRevision, null)),
        List.of(new Txn.Op(Txn.OpType.PUT, "b", json("2")), new Txn.Op(Txn.OpType.DELETE, "a", null)),
        List.of());
    Txn.Result result = await(() -> writes.txn(txn, BY, false));
    assertTrue(result.succeeded());
    assertEquals(aRevision + 1, result.revision());
    assertEquals(result.revision(), store.get("b").revision());
    assertNull(store.get("a"));
  }

  @Test
  void aValueThatBreaksItsSchemaIsRefusedAndChangesNothing() throws Exception {
    await(() -> writes.putSchema("app", PORT_SCHEMA, Precondition.NONE, BY, false));
    assertEquals(BY, store.get(SystemKeys.SCHEMAS + "app").updatedBy());
    await(() -> writes.put("app/db", json("{\"port\":1}"), Precondition.NONE, BY, false));
    long before = store.revision();

    assertInstanceOf(SchemaViolation.class,
        refusal(() -> writes.put("app/db", json("{\"host\":\"x\"}"), Precondition.NONE, BY, false)));
    // Both branches are admitted: the invalid put is refused although the success branch would run.
    Txn.Request txn = new Txn.Request(List.of(), List.of(new Txn.Op(Txn.OpType.PUT, "other", json("1"))),
        List.of(new Txn.Op(Txn.OpType.PUT, "app/cache", json("{}"))));
    assertInstanceOf(SchemaViolation.class, refusal(() -> writes.txn(txn, BY, false)));
    assertInstanceOf(InvalidSchema.class,
        refusal(() -> writes.putSchema("bad", json("{\"type\":12}"), Precondition.NONE, BY, false)));

    assertEquals(before, store.revision());
    assertEquals("{\"port\":1}", text(store.get("app/db")));
    assertNull(store.get("other"));
    assertNull(store.get(SystemKeys.SCHEMAS + "bad"));

    await(() -> writes.deleteSchema("app", Precondition.NONE, BY, false));
    await(() -> writes.put("app/db", json("{\"host\":\"x\"}"), Precondition.NONE, BY, false));
  }

  @Test
  void aLargeValueIsCheckedOffTheEventLoop() throws Exception {
    await(() -> writes.putSchema("app", PORT_SCHEMA, Precondition.NONE, BY, false));
    String padding = "x".repeat(Writes.VALIDATE_OFF_LOOP_BYTES);
    long before = store.revision();
    assertInstanceOf(SchemaViolation.class,
        refusal(() -> writes.put("app/big", json("{\"pad\":\"" + padding + "\"}"), Precondition.NONE, BY, false)));
    assertEquals(before, store.revision());
    await(() -> writes.put("app/big", json("{\"port\":1,\"pad\":\"" + padding + "\"}"), Precondition.NONE, BY, false));
    assertEquals(before + 1, store.revision());
  }

  @Test
  void aClosedGateRefusesEveryKindOfWriteBeforeItCommits() throws Exception {
    await(() -> writes.put("a", json("1"), Precondition.NONE, BY, false));
    TokenRegistry.Issued token = TokenRegistry.issue("ci", List.of(new Grant(Role.READ, "")), 0, BY, 1);
    long before = store.revision();
    Writes follower = new Writes(store, new PrefixSchemas(store, new JsonSchemas()), ValueCipher.configure("", ""),
        durability, null, () -> {
          throw new NotLeader("a follower", "n1", "http://n1");
        });

    List<Supplier<Future<?>>> refused = List.of(
        () -> follower.put("a", json("2"), Precondition.NONE, BY, false),
        () -> follower.delete("a", Precondition.NONE, BY, false),
        () -> follower.txn(new Txn.Request(List.of(), List.of(new Txn.Op(Txn.OpType.PUT, "b", json("1"))),
            List.of()), BY, false),
        () -> follower.rollback("a", before, BY, false),
        () -> follower.putSchema("app", PORT_SCHEMA, Precondition.NONE, BY, false),
        () -> follower.createToken(token),
        () -> follower.revokeToken(token.token().id(), BY));
    for (Supplier<Future<?>> write : refused) {
      assertEquals("http://n1", assertInstanceOf(NotLeader.class, refusal(write)).leaderUrl());
    }
    assertEquals(before, store.revision());
    assertEquals("1", text(store.get("a")));
  }

  @Test
  void durabilityAdmissionRefusesEveryKindOfWriteBeforeItCommits() throws Exception {
    await(() -> writes.put("a", json("1"), Precondition.NONE, BY, false));
    TokenRegistry.Issued token = TokenRegistry.issue("ci", List.of(new Grant(Role.READ, "")), 0, BY, 1);
    long before = store.revision();
    durability.refuse = true;

    List<Supplier<Future<?>>> refused = List.of(
        () -> writes.put("a", json("2"), Precondition.NONE, BY, false),
        () -> writes.delete("a", Precondition.NONE, BY, false),
        () -> writes.txn(new Txn.Request(List.of(), List.of(new Txn.Op(Txn.OpType.PUT, "b", json("1"))), List.of()),
            BY, false),
        () -> writes.rollback("a", before, BY, false),
        () -> writes.putSchema("app", PORT_SCHEMA, Precondition.NONE, BY, false),
        () -> writes.createToken(token),
        () -> writes.revokeToken(token.token().id(), BY));
    for (Supplier<Future<?>> write : refused) {
      assertInstanceOf(StoreException.Unavailable.class, refusal(write));
    }
    assertEquals(before, store.revision());
    assertEquals("1", text(store.get("a")));
    assertTrue(durability.synced.isEmpty());
  }

  @Test
  void aSyncWriteWaitsForItsRevisionAndStaysCommittedWhenThatFails() throws Exception {
    MvccStore.WriteResult written = await(() -> writes.put("a", json("1"), Precondition.NONE, BY, true));
    assertEquals(List.of(written.entry().revision()), durability.synced);
    await(() -> writes.put("a", json("2"), Precondition.NONE, BY, false));
    assertEquals(1, durability.synced.size(), "a local write does not wait");

    durability.failSync = true;
    NotDurable notDurable = assertInstanceOf(NotDurable.class,
        refusal(() -> writes.put("a", json("3"), Precondition.NONE, BY, true)));
    assertEquals(store.revision(), notDurable.revision());
    assertEquals("3", text(store.get("a")), "committed locally");
  }

  @Test
  void valuesUnderAnEncryptedPrefixAreStoredSealed() throws Exception {
    await(() -> writes.put("secret/pw", json("\"hunter2\""), Precondition.NONE, BY, false));
    byte[] stored = store.get("secret/pw").value();
    assertTrue(ValueCipher.isSealed(stored));
    await(() -> writes.put("plain", json("1"), Precondition.NONE, BY, false));
    assertEquals("1", text(store.get("plain")));
  }

  @Test
  void rollbackRestoresTheOldValueOrDeletes() throws Exception {
    await(() -> writes.put("other", json("0"), Precondition.NONE, BY, false));
    long created = await(() -> writes.put("secret/pw", json("\"one\""), Precondition.NONE, BY, false))
        .entry().revision();
    await(() -> writes.put("secret/pw", json("\"two\""), Precondition.NONE, BY, false));
    long restored = await(() -> writes.rollback("secret/pw", created, "bob", false));
    Entry now = store.get("secret/pw");
    assertEquals(restored, now.revision());
    assertEquals("bob", now.updatedBy());
    assertTrue(ValueCipher.isSealed(now.value()), "sealed again as the key's rules are now");

    long deleted = await(() -> writes.rollback("secret/pw", created - 1, BY, false));
    assertEquals(store.revision(), deleted);
    assertNull(store.get("secret/pw"));
  }

  @Test
  void tokenRecordsAreCommittedAndRevoked() throws Exception {
    TokenRegistry.Issued token = TokenRegistry.issue("ci", List.of(new Grant(Role.WRITE, "app/")), 0, BY, 1);
    long revision = await(() -> writes.createToken(token));
    Entry record = store.get(token.key());
    assertEquals(revision, record.revision());
    assertArrayEquals(token.record(), record.value());
    assertEquals(BY, record.updatedBy());

    assertEquals(0L, await(() -> writes.revokeToken("not-an-id", BY)));
    long revoked = await(() -> writes.revokeToken(token.token().id(), "bob"));
    assertEquals(store.revision(), revoked);
    assertNull(store.get(token.key()));
    assertEquals(0L, await(() -> writes.revokeToken(token.token().id(), "bob")), "already revoked");
  }

  @Test
  void theEncryptionMarkerIsRecordedBySystem() {
    long revision = writes.recordEncryptionMarker(json("{\"keyId\":1}"));
    assertEquals("system", store.get(ValueCipher.MARKER_KEY).updatedBy());
    assertEquals(revision, store.revision());
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** Durability that records the revisions waited for, and refuses or fails on demand. */
  private static final class FakeDurability implements Durability {
    volatile boolean refuse;
    volatile boolean failSync;
    final List<Long> synced = new ArrayList<>();

    @Override
    public Future<Void> sync(long revision) {
      synced.add(revision);
      return failSync ? Future.failedFuture("PostgreSQL did not answer") : Future.succeededFuture();
    }

    @Override
    public void admitWrite() {
      if (refuse) {
        throw new StoreException.Unavailable("the outbox is full");
      }
    }
  }

  /** Runs the write on an event loop, as the routes do, and waits for its result. */
  private <T> T await(Supplier<Future<T>> write) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    loop.runOnContext(v -> write.get().onComplete(done::complete, done::completeExceptionally));
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /** The failure of a write that must be refused. */
  private Throwable refusal(Supplier<? extends Future<?>> write) throws Exception {
    CompletableFuture<Throwable> done = new CompletableFuture<>();
    loop.runOnContext(v -> write.get().onComplete(
        result -> done.completeExceptionally(new AssertionError("not refused: " + result)), done::complete));
    try {
      return done.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (AssertionError) e.getCause();
    }
  }

  private static byte[] json(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Entry e) {
    return new String(e.value(), StandardCharsets.UTF_8);
  }
}
