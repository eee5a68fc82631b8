package io.ssot.security;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.http.ApiException;
import io.ssot.limit.Sha256;
import io.ssot.store.ChangeLog;
import io.ssot.store.Entry;
import io.ssot.store.InMemoryKvStore;
import io.ssot.store.MvccStore;
import io.ssot.store.Precondition;
import io.ssot.store.SystemKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tokens against a store over in-memory maps: creation, authentication, listing, revocation and expiry. */
class TokenRegistryTest {

  private static final String BOOTSTRAP = "bootstrap-admin-token-for-this-test";
  private static final long NOW = 1_700_000_000_000L;
  private static final List<Grant> READ_A = List.of(new Grant(Role.READ, "a/"));

  @TempDir
  Path dir;

  private MvccStore store;
  private TokenRegistry tokens;

  @BeforeEach
  void open() throws IOException {
    store = new MvccStore(new InMemoryKvStore(), new InMemoryKvStore(), ChangeLog.open(dir, 1 << 20, 1), false,
        System::currentTimeMillis);
    tokens = new TokenRegistry(store, BOOTSTRAP);
  }

  @AfterEach
  void close() {
    store.close();
  }

  /** A token as the write door makes it: issued by the registry, committed to the store. */
  private record Created(StoredToken token, String bearer, long revision) {
  }

  private Created create(String name, List<Grant> grants, long expiresAt, String by, long now) {
    TokenRegistry.Issued issued = TokenRegistry.issue(name, grants, expiresAt, by, now);
    long revision = store.put(issued.key(), issued.record(), Precondition.ABSENT, by).entry().revision();
    return new Created(issued.token(), issued.bearer(), revision);
  }

  /** A revocation as the write door makes it: the revision, or 0 when there is no such token. */
  private long revoke(String id, String by) {
    String key = TokenRegistry.recordKey(id);
    Entry marker = key == null ? null : store.delete(key, Precondition.NONE, by);
    return marker == null ? 0 : marker.revision();
  }

  private static int refusal(Runnable call) {
    return assertThrows(ApiException.class, call::run).status();
  }

  @Test
  void aCreatedTokenAuthenticatesAsItsPrincipal() {
    Created created = create("deployer", READ_A, 0, "admin", NOW);
    Principal p = tokens.authenticate(created.bearer(), NOW);
    assertEquals("deployer", p.name());
    assertEquals(created.token().id(), p.tokenId());
    assertEquals(READ_A, p.grants());
    assertTrue(p.allows(Role.READ, "a/x"));
    assertFalse(p.allows(Role.WRITE, "a/x"));
    assertEquals(store.revision(), created.revision(), "the token is a commit of the store");
    assertEquals("admin", store.get(SystemKeys.TOKENS + created.token().id()).updatedBy());
  }

  @Test
  void theStoreKeepsTheSecretsHashNeverTheSecret() {
    Created created = create("deployer", READ_A, 0, "admin", NOW);
    String secret = Secrets.parse(created.bearer()).secret();
    String stored = new String(store.get(SystemKeys.TOKENS + created.token().id()).value(), StandardCharsets.UTF_8);
    assertFalse(stored.contains(secret), stored);
    assertArrayEquals(Sha256.of(secret), created.token().secretHash());
  }

  @Test
  void aWrongSecretOrAnUnknownIdIsRefused() {
    Created created = create("deployer", READ_A, 0, "admin", NOW);
    String id = created.token().id();
    assertEquals(401, refusal(() -> tokens.authenticate(Secrets.token(id, Secrets.newSecret()), NOW)));
    assertEquals(401, refusal(() -> tokens.authenticate(Secrets.token(Secrets.newId(), "x"), NOW)));
    assertEquals(401, refusal(() -> tokens.authenticate("not a token", NOW)));
  }

  @Test
  void theBootstrapTokenIsTheAdminOnEverything() {
    Principal admin = tokens.authenticate(BOOTSTRAP, NOW);
    assertEquals("admin", admin.name());
    assertNull(admin.tokenId(), "it cannot be revoked through the API");
    assertTrue(admin.allows(Role.ADMIN, ""));
    assertTrue(tokens.active(admin, NOW));
    assertEquals(401, refusal(() -> tokens.authenticate(BOOTSTRAP + "x", NOW)));
  }

  @Test
  void withoutABootstrapTokenOnlyStoredTokensAuthenticate() {
    TokenRegistry none = new TokenRegistry(store, null);
    assertEquals(401, refusal(() -> none.authenticate(BOOTSTRAP, NOW)));
    Created created = create("deployer", READ_A, 0, "admin", NOW);
    assertEquals("deployer", none.authenticate(created.bearer(), NOW).name());
  }

  @Test
  void listingShowsEveryLiveTokenAndRevokedOnesNoMore() {
    Created a = create("a", READ_A, 0, "admin", NOW);
    Created b = create("b", List.of(new Grant(Role.ADMIN, "")), NOW + 60_000, "admin", NOW);
    store.listingReady().join();
    assertEquals(List.of("a", "b"), tokens.list().stream().map(StoredToken::name).sorted().toList());
    StoredToken listed = tokens.list().stream().filter(t -> t.name().equals("b")).findFirst().orElseThrow();
    assertEquals(NOW + 60_000, listed.expiresAt());
    assertEquals(NOW, listed.createdAt());
    assertEquals(List.of(new Grant(Role.ADMIN, "")), listed.grants());
    assertFalse(listed.describe().containsKey("secretSha256"), "the public view holds no hash");

    long revision = revoke(a.token().id(), "admin");
    assertEquals(store.revision(), revision);
    assertEquals(List.of("b"), tokens.list().stream().map(StoredToken::name).toList());
    assertEquals("b", tokens.authenticate(b.bearer(), NOW).name());
  }

  @Test
  void aRevokedTokenIsRefusedAtOnce() {
    Created created = create("deployer", READ_A, 0, "admin", NOW);
    Principal p = tokens.authenticate(created.bearer(), NOW);
    assertTrue(tokens.active(p, NOW));
    assertTrue(revoke(created.token().id(), "admin") > 0);
    assertEquals(401, refusal(() -> tokens.authenticate(created.bearer(), NOW)));
    assertFalse(tokens.active(p, NOW), "a connection holding the principal sees it ended");
    assertNull(store.get(SystemKeys.TOKENS + created.token().id()));
  }

  @Test
  void revokingAnUnknownOrMalformedIdChangesNothing() {
    long before = store.revision();
    assertEquals(0, revoke(Secrets.newId(), "admin"));
    assertEquals(0, revoke("../x", "admin"));
    assertEquals(before, store.revision());
  }

  @Test
  void aTokenWorksUntilItExpires() {
    long expiresAt = NOW + 1_000;
    Created created = create("short", READ_A, expiresAt, "admin", NOW);
    Principal p = tokens.authenticate(created.bearer(), expiresAt - 1);
    assertTrue(tokens.active(p, expiresAt - 1));
    assertEquals(401, refusal(() -> tokens.authenticate(created.bearer(), expiresAt)));
    assertFalse(tokens.active(p, expiresAt));
  }

  @Test
  void anotherRegistryOverTheSameStoreSeesTheSameTokens() {
    Created created = create("deployer", READ_A, 0, "admin", NOW);
    TokenRegistry other = new TokenRegistry(store, null);
    assertEquals("deployer", other.authenticate(created.bearer(), NOW).name());
    revoke(created.token().id(), "admin");
    assertEquals(401, refusal(() -> other.authenticate(created.bearer(), NOW)), "its cache follows the commit");
  }
}
