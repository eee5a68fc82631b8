package io.ssot.security;

import io.ssot.http.ApiException;
import io.ssot.limit.Sha256;
import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SystemKeys;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tokens: authentication against the records in the store's reserved space, the records of
 * new tokens (committed, and revoked, through {@code io.ssot.core.Writes}), and the connections
 * that must end when a token does.
 *
 * <p>The store is the truth; this keeps a decoded copy of each token it has seen, refreshed from
 * the store on every commit that touches a token, so a revocation takes effect at once (for any
 * writer of the store, including a later replica). A lookup of an unknown id reads the store
 * directly, so nothing needs loading before the first request.
 */
public final class TokenRegistry {

  /** A token the cache has seen revoked: never looked up again, so a stale read cannot revive it. */
  private static final Known REVOKED = new Known(null, null);

  private record Known(StoredToken token, Principal principal) {
  }

  /** A connection that ends with its token, on its own event loop. */
  private record Session(Context context, Runnable onEnd) {
  }

  private final MvccStore store;
  private final byte[] bootstrapHash;
  private final Principal bootstrapAdmin = Principal.bootstrapAdmin();
  private final Map<String, Known> cache = new ConcurrentHashMap<>();
  private final Map<String, Set<Session>> sessions = new ConcurrentHashMap<>();

  /** @param bootstrapToken the bootstrap admin token, or null for none */
  public TokenRegistry(MvccStore store, String bootstrapToken) {
    this.store = store;
    this.bootstrapHash = bootstrapToken == null ? null : Sha256.of(bootstrapToken);
    // Observers of different commits may run concurrently and out of order: refresh reads the
    // token's current state rather than trusting the order of calls.
    store.addCommitObserver(commit -> {
      for (Entry change : commit.changes()) {
        if (change.key().startsWith(SystemKeys.TOKENS)) {
          refresh(change.key().substring(SystemKeys.TOKENS.length()));
        }
      }
    });
  }

  /** Ends the connections of tokens that expire, checked every second. */
  public void startExpiryChecks(Vertx vertx) {
    vertx.setPeriodic(1000, id -> {
      long now = System.currentTimeMillis();
      for (String tokenId : sessions.keySet()) {
        Known known = lookup(tokenId);
        if (known == null || known.principal().expired(now)) {
          endSessions(tokenId);
        }
      }
    });
  }

  // ---- authentication ----------------------------------------------------------------------

  /**
   * The principal of a bearer token.
   *
   * @throws ApiException 401 when the token is unknown, revoked, malformed or expired
   */
  public Principal authenticate(String bearer, long nowMillis) {
    Secrets.Parsed parsed = Secrets.parse(bearer);
    Known known = parsed == null ? null : lookup(parsed.id());
    if (known != null && Secrets.sameHash(Sha256.of(parsed.secret()), known.token().secretHash())) {
      if (known.principal().expired(nowMillis)) {
        throw AuthProblems.invalid("the token expired");
      }
      return known.principal();
    }
    // Compared in constant time whether or not the token looked like a stored one.
    if (bootstrapHash != null && Secrets.sameHash(Sha256.of(bearer), bootstrapHash)) {
      return bootstrapAdmin;
    }
    throw AuthProblems.invalid("the token is not valid (unknown, revoked or malformed)");
  }

  /** Whether the principal's token still works: not revoked, not expired. */
  public boolean active(Principal principal, long nowMillis) {
    if (principal.tokenId() == null) {
      return true;
    }
    Known known = lookup(principal.tokenId());
    return known != null && !known.principal().expired(nowMillis);
  }

  private Known lookup(String id) {
    Known known = cache.get(id);
    if (known == null) {
      known = load(id);
      if (known != REVOKED) {
        // A refresh that ran meanwhile wins: it read the store after the newest commit.
        Known raced = cache.putIfAbsent(id, known);
        known = raced == null ? known : raced;
      }
    }
    return known == REVOKED ? null : known;
  }

  private Known load(String id) {
    Entry entry = store.get(SystemKeys.TOKENS + id);
    StoredToken token = entry == null ? null : StoredToken.decode(id, entry.value());
    return token == null ? REVOKED : new Known(token, token.principal());
  }

  /** Called after a commit that touched the token; reads its state now, so calls may come in any order. */
  private void refresh(String id) {
    Known now;
    synchronized (this) {
      now = load(id);
      cache.put(id, now);
    }
    if (now == REVOKED) {
      endSessions(id);
    }
  }

  // ---- administration ----------------------------------------------------------------------

  /**
   * A token issued but not yet stored: the record to commit at {@link #key()} (through
   * {@code io.ssot.core.Writes}, like every write) and, shown once, the bearer token.
   */
  public record Issued(StoredToken token, String bearer) {

    /** The store key of the token's record. */
    public String key() {
      return SystemKeys.TOKENS + token.id();
    }

    /** The record's bytes: everything but the secret, of which only the SHA-256 is kept. */
    public byte[] record() {
      return token.encode();
    }
  }

  /** A new token with a fresh id and secret; nothing is stored until its record is committed. */
  public static Issued issue(String name, List<Grant> grants, long expiresAt, String createdBy, long nowMillis) {
    String id = Secrets.newId();
    String secret = Secrets.newSecret();
    StoredToken token = new StoredToken(id, name, grants, expiresAt, nowMillis, createdBy, Sha256.of(secret));
    return new Issued(token, Secrets.token(id, secret));
  }

  /** The store key of the record of the token {@code id}, or {@code null} when {@code id} cannot name a token. */
  public static String recordKey(String id) {
    return Secrets.isId(id) ? SystemKeys.TOKENS + id : null;
  }

  /** Every live token, by id. Needs the store's listing to be ready. */
  public List<StoredToken> list() {
    List<StoredToken> tokens = new ArrayList<>();
    for (Entry e : store.reserved(SystemKeys.TOKENS)) {
      StoredToken t = StoredToken.decode(e.key().substring(SystemKeys.TOKENS.length()), e.value());
      if (t != null) {
        tokens.add(t);
      }
    }
    return tokens;
  }

  // ---- connections that live as long as their token ----------------------------------------

  /**
   * Runs {@code onEnd} on the calling event loop once, when the principal's token is revoked or
   * expires. Returns what to call when the connection ends first.
   */
  public Runnable onTokenEnd(Principal principal, Runnable onEnd) {
    if (principal.tokenId() == null) {
      return () -> { };
    }
    Session session = new Session(Vertx.currentContext(), onEnd);
    String id = principal.tokenId();
    sessions.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(session);
    if (!active(principal, System.currentTimeMillis())) {
      endSessions(id); // revoked between its authentication and now
    }
    return () -> sessions.computeIfPresent(id, (k, set) -> {
      set.remove(session);
      return set.isEmpty() ? null : set;
    });
  }

  private void endSessions(String tokenId) {
    Set<Session> ending = sessions.remove(tokenId);
    if (ending != null) {
      ending.forEach(s -> s.context().runOnContext(v -> s.onEnd().run()));
    }
  }
}
