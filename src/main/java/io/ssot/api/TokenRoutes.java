package io.ssot.api;

import io.ssot.http.ApiException;
import io.ssot.protocol.Headers;
import io.ssot.protocol.Problem;
import io.ssot.security.Access;
import io.ssot.security.Audit;
import io.ssot.security.AuthHandler;
import io.ssot.security.Grant;
import io.ssot.security.Principal;
import io.ssot.security.Role;
import io.ssot.security.TokenRegistry;
import io.ssot.config.Parsers;
import io.ssot.store.Keys;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The token administration API ({@link AuthHandler} requires admin on everything for it):
 * {@code POST /v1/tokens} creates a token and shows its secret once, {@code GET /v1/tokens}
 * lists them without secrets, {@code DELETE /v1/tokens/{id}} revokes one at once, ending its
 * open watches. Token writes are acknowledged once local (never {@code sync}): failing the
 * response after the commit would lose the secret, which is shown only in it. The registry
 * issues the record; {@link io.ssot.core.Writes} commits it, as it does every write.
 */
public final class TokenRoutes {

  private static final long MAX_BODY_BYTES = 64 << 10;
  private static final int MAX_ROLES = 100;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,128}");
  private static final Set<String> RESERVED_NAMES = Set.of("admin", "anonymous");
  /** 10000-01-01T00:00:00Z: later times have no plain RFC 3339 form. */
  private static final long LATEST_EXPIRY = 253_402_300_800_000L;
  private static final Set<String> FIELDS = Set.of("name", "roles", "expiresAt", "ttl");

  private final Api api;
  private final TokenRegistry tokens;

  public TokenRoutes(Api api, TokenRegistry tokens) {
    this.api = api;
    this.tokens = tokens;
  }

  public void mount(Router router) {
    router.post("/v1/tokens").setName("/v1/tokens").handler(this::create);
    router.get("/v1/tokens").setName("/v1/tokens").handler(this::list);
    router.route("/v1/tokens").setName("/v1/tokens").handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use GET or POST").header("Allow", "GET, POST")));
    router.delete("/v1/tokens/:id").setName("/v1/tokens/{id}").handler(this::revoke);
    router.route("/v1/tokens/:id").setName("/v1/tokens/{id}").handler(ctx -> ctx.fail(
        new ApiException(Problem.METHOD_NOT_ALLOWED, "use DELETE").header("Allow", "DELETE")));
  }

  private void create(RoutingContext ctx) {
    api.bodies().read(ctx, MAX_BODY_BYTES)
        .compose(body -> {
          JsonObject request;
          try {
            request = new JsonObject(body.toString());
          } catch (DecodeException | ClassCastException e) {
            throw invalid("the body must be a JSON object");
          }
          for (String field : request.fieldNames()) {
            if (!FIELDS.contains(field)) {
              throw invalid("unknown field '" + field + "'");
            }
          }
          long now = System.currentTimeMillis();
          String name = name(request.getValue("name"));
          List<Grant> grants = grants(request.getValue("roles"));
          long expiresAt = expiresAt(request.getValue("expiresAt"), request.getValue("ttl"), now);
          String by = Access.principal(ctx).name();
          TokenRegistry.Issued issued = TokenRegistry.issue(name, grants, expiresAt, by, now);
          return api.writes().createToken(issued).map(revision -> {
            Audit.record("token-created", by, issued.token().id(), "POST", ctx.request().path(),
                AuthHandler.address(ctx), "created '" + name + "' with " + issued.token().describe().getJsonArray("roles"));
            return ctx.response().setStatusCode(201)
                .putHeader("Content-Type", "application/json")
                .putHeader("Cache-Control", "no-store")
                .putHeader(Headers.REVISION, Long.toString(revision))
                .end(issued.token().describe().put("token", issued.bearer()).encode());
          });
        })
        .onFailure(ctx::fail);
  }

  private void list(RoutingContext ctx) {
    Future.fromCompletionStage(api.store().listingReady(), ctx.vertx().getOrCreateContext())
        .map(v -> {
          JsonArray items = new JsonArray();
          tokens.list().forEach(t -> items.add(t.describe()));
          ctx.response().putHeader("Content-Type", "application/json")
              .putHeader(Headers.REVISION, Long.toString(api.store().revision()))
              .end(new JsonObject().put("items", items).encode());
          return v;
        })
        .onFailure(ctx::fail);
  }

  private void revoke(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Principal by = Access.principal(ctx);
    api.writes().revokeToken(id, by.name()).onComplete(revision -> {
      if (revision == 0) {
        ctx.fail(new ApiException(Problem.TOKEN_NOT_FOUND, "no token has this id"));
        return;
      }
      Audit.record("token-revoked", by.name(), id, "DELETE", ctx.request().path(), AuthHandler.address(ctx), "revoked");
      ctx.response().putHeader("Content-Type", "application/json")
          .putHeader(Headers.REVISION, Long.toString(revision))
          .end(new JsonObject().put("id", id).put("revoked", true).put("revision", revision).encode());
    }, ctx::fail);
  }

  private static String name(Object value) {
    if (!(value instanceof String name) || !NAME.matcher(name).matches()) {
      throw invalid("name must be 1 to 128 characters from [A-Za-z0-9._:@-]");
    }
    if (RESERVED_NAMES.contains(name)) {
      throw invalid("the names admin and anonymous are reserved");
    }
    return name;
  }

  private static List<Grant> grants(Object value) {
    if (!(value instanceof JsonArray roles) || roles.isEmpty() || roles.size() > MAX_ROLES) {
      throw invalid("roles must be an array of 1 to " + MAX_ROLES + " {\"role\": \"read\"|\"write\"|\"admin\", \"prefix\": P}");
    }
    List<Grant> grants = new ArrayList<>();
    for (Object o : roles) {
      if (!(o instanceof JsonObject r) || !Set.of("role", "prefix").containsAll(r.fieldNames())
          || !(r.getValue("role") instanceof String roleName) || !(r.getValue("prefix") instanceof String prefix)) {
        throw invalid("each role must be {\"role\": \"read\"|\"write\"|\"admin\", \"prefix\": P}");
      }
      Role role = Role.parse(roleName);
      if (role == null) {
        throw invalid("role must be read, write or admin, not '" + roleName + "'");
      }
      String problem = Keys.prefixProblem(prefix);
      if (problem != null) {
        throw invalid(problem);
      }
      grants.add(new Grant(role, prefix));
    }
    return grants;
  }

  /** @return epoch milliseconds, or 0 for a token that does not expire */
  private static long expiresAt(Object at, Object ttl, long now) {
    if (at != null && ttl != null) {
      throw invalid("give expiresAt or ttl, not both");
    }
    long expires = 0;
    if (at != null) {
      try {
        expires = Instant.parse((String) at).toEpochMilli();
      } catch (ClassCastException | DateTimeParseException | ArithmeticException e) {
        throw invalid("expiresAt must be an RFC 3339 time such as 2030-01-01T00:00:00Z");
      }
    } else if (ttl != null) {
      try {
        Duration d = Parsers.duration((String) ttl);
        expires = Math.addExact(now, d.toMillis());
      } catch (ClassCastException | IllegalArgumentException | ArithmeticException e) {
        throw invalid("ttl must be a duration such as 30s, 12h or 90d");
      }
    } else {
      return 0;
    }
    if (expires <= now) {
      throw invalid("the token would expire before it is created");
    }
    if (expires >= LATEST_EXPIRY) {
      throw invalid("the token must expire before the year 10000");
    }
    return expires;
  }

  private static ApiException invalid(String detail) {
    return new ApiException(Problem.INVALID_TOKEN_REQUEST, detail);
  }
}
