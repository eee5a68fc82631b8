package io.ssot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.ssot.client.SsotClient;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "tokens", description = "Bearer tokens (admin): create, list, revoke.")
final class TokensCommand {

  @Spec
  CommandSpec spec;

  @Command(name = "create", description = "Creates a token and prints its secret (shown this once).")
  int create(@Parameters(paramLabel = "NAME") String name,
             @Option(names = "--role", required = true, paramLabel = "ROLE:PREFIX",
                 description = "read, write or admin on a key prefix (empty: all keys), e.g. read:payments/; repeatable.")
             List<String> roles,
             @Option(names = "--ttl", paramLabel = "DURATION", description = "Expires after e.g. 30s, 12h, 90d.") String ttl,
             @Option(names = "--expires-at", paramLabel = "TIME", description = "Expires at an RFC 3339 time.") String expiresAt) {
    ObjectNode request = Output.MAPPER.createObjectNode().put("name", name);
    ArrayNode grants = request.putArray("roles");
    for (String r : roles) {
      int colon = r.indexOf(':');
      if (colon < 0) {
        throw new UsageException("--role is ROLE:PREFIX (read:payments/, admin:), not '" + r + "'");
      }
      grants.addObject().put("role", r.substring(0, colon)).put("prefix", r.substring(colon + 1));
    }
    if (ttl != null) {
      request.put("ttl", ttl);
    }
    if (expiresAt != null) {
      request.put("expiresAt", expiresAt);
    }
    JsonNode created = client().createToken(request);
    Output out = out();
    switch (out.format) {
      case json -> out.json(created);
      case raw -> out.line(created.path("token").asText());
      case table -> {
        out.line("created token " + created.path("id").asText() + " '" + name + "' " + Output.compact(created.path("roles"))
            + (created.path("expiresAt").isNull() ? "" : " expiring " + created.path("expiresAt").asText()));
        out.line("token: " + created.path("token").asText());
      }
    }
    return ExitCodes.OK;
  }

  @Command(name = "list", description = "Lists the tokens (no secrets).")
  int list() {
    List<JsonNode> tokens = client().tokens();
    Output out = out();
    if (out.format == Output.Format.table) {
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode t : tokens) {
        rows.add(List.of(t.path("id").asText(), t.path("name").asText(), t.path("createdAt").asText(),
            t.path("expiresAt").isNull() ? "never" : t.path("expiresAt").asText(""), Output.compact(t.path("roles"))));
      }
      out.table(List.of("ID", "NAME", "CREATED", "EXPIRES", "ROLES"), rows);
    } else {
      out.json(tokens);
    }
    return ExitCodes.OK;
  }

  @Command(name = "revoke", description = "Revokes a token at once (its watches end). Exit 3 for an unknown id.")
  int revoke(@Parameters(paramLabel = "ID") String id) {
    long revision = client().revokeToken(id);
    out().line("revoked " + id + " at revision " + revision);
    return ExitCodes.OK;
  }

  private SsotClient client() {
    return ((Cli) spec.root().userObject()).client();
  }

  private Output out() {
    return ((Cli) spec.root().userObject()).output();
  }
}
