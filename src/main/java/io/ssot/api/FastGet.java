package io.ssot.api;

import io.ssot.http.ConnectionReuse;
import io.ssot.http.RequestIds;

import io.ssot.security.ValueCipher;
import io.ssot.store.Entry;
import io.ssot.store.Keys;
import io.ssot.store.MvccStore;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.function.BiPredicate;

/**
 * The read services make most: {@code GET /v1/kv/{key}} or {@code ?raw=true} of a key that
 * exists, answered before the router. A JFR profile showed the router's matching and context
 * (about a tenth of a GET) as the largest cost left that this request does not need.
 *
 * <p>Only the plainest form is taken: a key without escapes that passes the grammar, no other
 * parameter and no conditional header, credentials that read the key, a value not encrypted at
 * rest and smaller than {@link LargeAnswers#THRESHOLD}. Everything else, including an absent key and every refusal, goes to the router, which
 * answers it in full (and audits and counts refusals); the 200 answer is built by the same code
 * either way.
 */
public final class FastGet implements Handler<HttpServerRequest> {

  private static final String RAW_QUERY = "?raw=true";
  static final String ROUTE = "/v1/kv/{key}";

  private final MvccStore store;
  private final EntryBodies bodies;
  private final BiPredicate<HttpServerRequest, String> mayRead;
  private final Router router;

  /** @param mayRead whether the request's credentials read the key; if not, the router refuses it */
  FastGet(MvccStore store, EntryBodies bodies, BiPredicate<HttpServerRequest, String> mayRead,
          Router router) {
    this.store = store;
    this.bodies = bodies;
    this.mayRead = mayRead;
    this.router = router;
  }

  /** The router that answers every request but the plainest reads. */
  public Router router() {
    return router;
  }

  @Override
  public void handle(HttpServerRequest request) {
    if (request.method() != HttpMethod.GET || ConnectionReuse.closing(request) || !tryServe(request)) {
      router.handle(request);
    }
  }

  private boolean tryServe(HttpServerRequest request) {
    String uri = request.uri();
    if (uri == null || !uri.startsWith(KvRoutes.KEY_PREFIX)) {
      return false;
    }
    int query = uri.indexOf('?');
    boolean raw = query >= 0;
    if (raw && !(uri.length() - query == RAW_QUERY.length() && uri.endsWith(RAW_QUERY))) {
      return false;
    }
    String key = uri.substring(KvRoutes.KEY_PREFIX.length(), raw ? query : uri.length());
    if (key.indexOf('%') >= 0 || Keys.problem(key) != null
        || request.headers().contains(HttpHeaders.IF_NONE_MATCH) || !mayRead.test(request, key)
        || request.headers().contains(HttpHeaders.CONTENT_LENGTH) || request.headers().contains(HttpHeaders.TRANSFER_ENCODING)) {
      // A GET with a body goes to the router, whose ConnectionReuse bounds what is left of it.
      return false;
    }
    // Only the answers of entries the store caches (keys read often) are kept: the answer to a
    // key read once is rendered and dropped, and costs the answer cache nothing.
    Entry entry = store.cached(key);
    boolean hot = entry != null;
    if (!hot) {
      entry = store.getUncached(key);
    }
    if (entry == null || ValueCipher.isSealed(entry.value()) || LargeAnswers.isLarge(entry)) {
      // Absent, or encrypted at rest, or large (bounded by its connection's output): the router
      // answers (and reports a bad ciphertext).
      return false;
    }
    request.routed(ROUTE); // the route template the request metrics count it under
    // The client's own id only: a new one on every answer cost an h2c GET a third more CPU.
    RequestIds.echoGiven(request);
    KvRoutes.sendEntry(request.response(), hot ? bodies.answer(entry, raw) : bodies.render(entry, raw),
        store.revision());
    return true;
  }
}
