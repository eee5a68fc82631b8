package io.ssot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.client.SsotClient;
import io.ssot.client.SsotException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

@Command(name = "cluster", description = "Cluster status: the leader, this node, the members and their applied revisions.")
final class ClusterCommand extends ClientCommand {

  @Override
  int run(SsotClient client, Output out) {
    JsonNode status;
    try {
      status = client.cluster();
    } catch (SsotException e) {
      if (e.status() == 404) {
        throw new NotFoundException("the server is not in cluster mode (no /v1/cluster)");
      }
      throw e;
    }
    if (out.format != Output.Format.table) {
      out.json(status);
      return ExitCodes.OK;
    }
    JsonNode leader = status.path("leader");
    out.line("leader: " + (leader.isObject() ? leader.path("id").asText() + " " + leader.path("url").asText()
        + " (term " + leader.path("term").asText() + ")" : "none"));
    JsonNode self = status.path("self");
    out.line("this node: " + self.path("id").asText() + " " + self.path("role").asText() + ", applied revision "
        + self.path("appliedRevision").asText());
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode m : status.path("members")) {
      rows.add(List.of(m.path("id").asText(), m.path("role").asText(), m.path("appliedRevision").asText(),
          m.path("lastSeen").asText(), m.path("url").asText()));
    }
    out.table(List.of("MEMBER", "ROLE", "APPLIED", "LAST SEEN", "URL"), rows);
    return ExitCodes.OK;
  }
}
