package io.ssot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.Http;
import io.ssot.ServerExtension;
import io.ssot.TcpProxy;
import io.ssot.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ssot} CLI run as a process against a real server: each command, its output formats
 * and exit codes, bad arguments, refused tokens, the profile file, a watch that resumes after
 * its connection is cut, and an apply that loses a race and so writes nothing.
 */
class CliTest {

  /** Pages of at most 1 KiB, so that a list of a few keys takes several pages. */
  @RegisterExtension
  static final ServerExtension server = ServerExtension.builder().setting("limits.maxPageBytes", "1KiB").build();

  @TempDir
  Path dir;

  private CliProcess cli;

  @BeforeEach
  void asAdmin() {
    cli = new CliProcess(dir, Map.of("SSOTCTL_URL", url(server.port()), "SSOTCTL_TOKEN", TestServer.ADMIN_TOKEN));
  }

  private static String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  private static Http http() {
    return server.http();
  }

  @Test
  void putGetListDeleteHistoryRollbackAndTxn() throws Exception {
    ok(cli.run("put", "kv/a", "{\"pool\":{\"max\":32}}"));
    Files.writeString(dir.resolve("b.json"), "[1,2,3]");
    ok(cli.run("put", "kv/b", "--file", "b.json"));
    CliProcess.Result fromStdin = cli.runWithInput("\"from stdin\"\n", "put", "kv/c", "-");
    ok(fromStdin);
    assertTrue(fromStdin.stdout().startsWith("created kv/c at revision "), fromStdin::toString);
    assertEquals("\"from stdin\"", http().get("/v1/kv/kv/c?raw=true").body().toString());

    assertEquals("{\"pool\":{\"max\":32}}\n", ok(cli.run("get", "kv/a", "-o", "raw")).stdout());
    JsonObject entry = new JsonObject(ok(cli.run("get", "kv/a", "--output", "json")).stdout());
    assertEquals("kv/a", entry.getString("key"));
    assertEquals(32, entry.getJsonObject("value").getJsonObject("pool").getInteger("max"));
    long revA = entry.getLong("revision");
    assertTrue(ok(cli.run("get", "kv/b")).stdout().contains("[1,2,3]"));

    // More keys than one 1 KiB page holds: list reads every page.
    String big = "\"" + "x".repeat(300) + "\"";
    for (int i = 0; i < 8; i++) {
      assertEquals(201, http().put("/v1/kv/kv/many/" + i, big).status());
    }
    JsonArray items = new JsonObject(ok(cli.run("list", "kv/", "-o", "json")).stdout()).getJsonArray("entries");
    assertEquals(11, items.size(), items::encode);
    assertEquals("kv/many/7", items.getJsonObject(10).getString("key"));
    assertEquals(11, ok(cli.run("list", "kv/", "-o", "raw")).stdout().lines().count());

    ok(cli.run("put", "kv/a", "{\"pool\":{\"max\":64}}"));
    CliProcess.Result stale = cli.run("put", "kv/a", "1", "--if-match", Long.toString(revA));
    assertEquals(ExitCodes.CONFLICT, stale.code(), stale::toString);
    assertTrue(stale.stderr().contains("412"), stale::toString);

    JsonArray history = new JsonArray(ok(cli.run("history", "kv/a", "-o", "json")).stdout());
    assertEquals(2, history.size());
    assertEquals(64, history.getJsonObject(0).getJsonObject("value").getJsonObject("pool").getInteger("max"));
    ok(cli.run("rollback", "kv/a", Long.toString(revA)));
    assertEquals("{\"pool\":{\"max\":32}}", http().get("/v1/kv/kv/a?raw=true").body().toString());

    ok(cli.run("delete", "kv/b"));
    CliProcess.Result gone = cli.run("get", "kv/b");
    assertEquals(ExitCodes.NOT_FOUND, gone.code(), gone::toString);
    assertEquals(ExitCodes.NOT_FOUND, cli.run("delete", "kv/b").code());

    long revC = http().get("/v1/kv/kv/c").json().getLong("revision");
    Files.writeString(dir.resolve("txn.json"), "{\"compare\":[{\"key\":\"kv/c\",\"revision\":" + revC + "}],"
        + "\"success\":[{\"op\":\"put\",\"key\":\"kv/d\",\"value\":1}],\"failure\":[{\"op\":\"get\",\"key\":\"kv/c\"}]}");
    JsonObject txn = new JsonObject(ok(cli.run("txn", "txn.json", "-o", "json")).stdout());
    assertTrue(txn.getBoolean("succeeded"));
    assertEquals(200, http().get("/v1/kv/kv/d").status());
    http().put("/v1/kv/kv/c", "2");
    CliProcess.Result failed = cli.run("txn", "txn.json");
    assertEquals(ExitCodes.CONFLICT, failed.code(), failed::toString);
    assertTrue(failed.stdout().startsWith("compares failed"), failed::toString);
  }

  @Test
  void badArgumentsAreExitCode2WithAClearMessageAndChangeNothing() throws Exception {
    CliProcess.Result missing = cli.run("get");
    assertEquals(2, missing.code(), missing::toString);
    assertTrue(missing.stderr().contains("Missing required parameter: 'KEY'"), missing::toString);
    CliProcess.Result unknown = cli.run("gett", "a");
    assertEquals(2, unknown.code(), unknown::toString);
    assertTrue(unknown.stderr().contains("Unmatched arguments from index 0: 'gett'"), unknown::toString);
    CliProcess.Result format = cli.run("get", "a", "-o", "yaml");
    assertEquals(2, format.code(), format::toString);
    assertTrue(format.stderr().contains("Invalid value for option '--output'"), format::toString);
    CliProcess.Result notJson = cli.run("put", "bad/a", "not json");
    assertEquals(2, notJson.code(), notJson::toString);
    assertTrue(notJson.stderr().startsWith("ssot: the value of bad/a is not a JSON text"), notJson::toString);
    CliProcess.Result both = cli.run("put", "bad/a", "1", "--file", "x.json");
    assertEquals(2, both.code(), both::toString);
    CliProcess.Result badKey = cli.run("put", "bad//a", "1");
    assertEquals(2, badKey.code(), badKey::toString);
    assertTrue(badKey.stderr().contains("400"), badKey::toString);
    assertEquals(404, http().get("/v1/kv/bad/a").status());

    CliProcess.Result help = cli.run("--help");
    assertEquals(0, help.code());
    assertTrue(help.stdout().contains("Exit codes:") && help.stdout().contains("apply"), help::toString);
  }

  @Test
  void refusedTokensAreExitCode5AndAnUnreachableServerExitCode1() throws Exception {
    CliProcess.Result bad = cli.run("--token", "not-a-token", "get", "kv/a");
    assertEquals(ExitCodes.DENIED, bad.code(), bad::toString);
    assertTrue(bad.stderr().contains("401"), bad::toString);

    String secret = ok(cli.run("tokens", "create", "cli-reader", "--role", "read:open/", "-o", "raw")).stdout().strip();
    CliProcess reader = cli.with(Map.of("SSOTCTL_URL", url(server.port()), "SSOTCTL_TOKEN", secret));
    ok(cli.run("put", "open/a", "1"));
    assertEquals("1\n", ok(reader.run("get", "open/a", "-o", "raw")).stdout());
    CliProcess.Result forbidden = reader.run("put", "open/a", "2");
    assertEquals(ExitCodes.DENIED, forbidden.code(), forbidden::toString);
    assertTrue(forbidden.stderr().contains("403"), forbidden::toString);

    JsonArray tokens = new JsonArray(ok(cli.run("tokens", "list", "-o", "json")).stdout());
    String id = tokens.stream().map(JsonObject.class::cast).filter(t -> t.getString("name").equals("cli-reader"))
        .findFirst().orElseThrow().getString("id");
    ok(cli.run("tokens", "revoke", id));
    assertEquals(ExitCodes.DENIED, reader.run("get", "open/a").code());
    assertEquals(ExitCodes.NOT_FOUND, cli.run("tokens", "revoke", id).code());

    int closed = UnusedPort.pick();
    CliProcess.Result unreachable = cli.run("--url", url(closed), "--timeout", "1", "get", "kv/a");
    assertEquals(ExitCodes.OTHER, unreachable.code(), unreachable::toString);
    assertTrue(unreachable.stderr().contains("the server did not answer"), unreachable::toString);
  }

  @Test
  void schemasAndCluster() throws Exception {
    Files.writeString(dir.resolve("port.json"), "{\"type\":\"object\",\"required\":[\"port\"]}");
    ok(cli.run("schemas", "set", "svc", "port.json"));
    assertEquals("object", new JsonObject(ok(cli.run("schemas", "get", "svc")).stdout()).getString("type"));
    assertTrue(ok(cli.run("schemas", "list")).stdout().contains("svc"));
    CliProcess.Result violation = cli.run("put", "svc/db", "{}");
    assertEquals(ExitCodes.USAGE, violation.code(), violation::toString);
    assertTrue(violation.stderr().contains("422 schema-violation"), violation::toString);
    ok(cli.run("schemas", "delete", "svc"));
    assertEquals(ExitCodes.NOT_FOUND, cli.run("schemas", "get", "svc").code());
    ok(cli.run("put", "svc/db", "{}"));

    CliProcess.Result cluster = cli.run("cluster");
    assertEquals(ExitCodes.NOT_FOUND, cluster.code(), cluster::toString);
    assertTrue(cluster.stderr().contains("not in cluster mode"), cluster::toString);
  }

  @Test
  void diffShowsAndApplyMakesTheKeysEqualTheFiles() throws Exception {
    http().put("/v1/kv/app/keep", "{\"same\":true}");
    http().put("/v1/kv/app/old", "1");
    http().put("/v1/kv/app/db", "{\"pool\":{\"max\":8}}");
    Path conf = Files.createDirectories(dir.resolve("conf/db"));
    Files.writeString(dir.resolve("conf/keep.json"), "{ \"same\" : true }");
    Files.writeString(dir.resolve("conf/db.yaml"), "pool:\n  max: 16\n");
    Files.writeString(conf.resolve("replica.yml"), "host: r1\nport: 5432\n");
    Files.writeString(conf.resolve("README.txt"), "not a key");

    JsonObject plan = new JsonObject(ok(cli.run("diff", "conf", "app", "-o", "json")).stdout());
    List<String> changes = new ArrayList<>();
    plan.getJsonArray("changes").forEach(c -> changes.add(((JsonObject) c).getString("kind") + " "
        + ((JsonObject) c).getString("key")));
    assertEquals(List.of("changed app/db", "added app/db/replica", "removed app/old"), changes);
    assertTrue(ok(cli.run("diff", "conf", "app/")).stdout().contains("1 to add, 1 to change, 1 to remove"));

    ok(cli.run("apply", "conf", "app", "--yes"));
    assertEquals("{\"pool\":{\"max\":16}}", http().get("/v1/kv/app/db?raw=true").body().toString());
    assertEquals("{\"host\":\"r1\",\"port\":5432}", http().get("/v1/kv/app/db/replica?raw=true").body().toString());
    assertEquals(404, http().get("/v1/kv/app/old").status());
    assertEquals(1, http().get("/v1/kv/app/keep").json().getLong("version"), "an equal value is not rewritten");
    assertEquals(0, new JsonObject(ok(cli.run("diff", "conf", "app", "-o", "json")).stdout()).getJsonArray("changes").size());

    Files.writeString(dir.resolve("conf/broken.yaml"), "a: [1,\n");
    CliProcess.Result broken = cli.run("apply", "conf", "app", "--yes");
    assertEquals(ExitCodes.USAGE, broken.code(), broken::toString);
    assertTrue(broken.stderr().contains("broken.yaml is not valid YAML"), broken::toString);
  }

  /** A change by someone else between the diff shown and the confirmation: the apply writes nothing. */
  @Test
  void applyLosingARaceIsRefusedAndOverwritesNothing() throws Exception {
    http().put("/v1/kv/race/a", "1");
    http().put("/v1/kv/race/b", "1");
    Files.createDirectories(dir.resolve("race"));
    Files.writeString(dir.resolve("race/a.json"), "2");
    Files.writeString(dir.resolve("race/b.json"), "2");
    Files.writeString(dir.resolve("race/c.json"), "2");

    CliProcess.Running apply = cli.start("apply", "race", "race");
    apply.awaitOutput("apply these 3 changes? [y/N]", true);
    assertEquals(200, http().put("/v1/kv/race/b", "\"theirs\"").status());
    apply.process.getOutputStream().write("y\n".getBytes(StandardCharsets.UTF_8));
    apply.process.getOutputStream().close();
    CliProcess.Result lost = apply.await();

    assertEquals(ExitCodes.CONFLICT, lost.code(), lost::toString);
    assertTrue(lost.stderr().contains("nothing applied: race/b changed since the diff"), lost::toString);
    assertEquals("\"theirs\"", http().get("/v1/kv/race/b?raw=true").body().toString());
    assertEquals("1", http().get("/v1/kv/race/a?raw=true").body().toString());
    assertEquals(404, http().get("/v1/kv/race/c").status());

    CliProcess.Result declined = cli.runWithInput("n\n", "apply", "race", "race");
    assertEquals(ExitCodes.OTHER, declined.code(), declined::toString);
    assertEquals("1", http().get("/v1/kv/race/a?raw=true").body().toString());
  }

  @Test
  void aProfileFileOthersCanReadIsRefused() throws Exception {
    http().put("/v1/kv/profile/a", "\"p\"");
    Path profile = dir.resolve("config");
    Files.writeString(profile, "# ssot profile\nurl: " + url(server.port()) + "\ntoken = \"" + TestServer.ADMIN_TOKEN + "\"\n");
    CliProcess fromProfile = cli.with(Map.of("SSOTCTL_CONFIG", profile.toString()));

    Files.setPosixFilePermissions(profile, PosixFilePermissions.fromString("rw-r--r--"));
    CliProcess.Result refused = fromProfile.run("get", "profile/a");
    assertEquals(ExitCodes.USAGE, refused.code(), refused::toString);
    assertTrue(refused.stderr().contains("lets others read its token: run chmod 600"), refused::toString);

    Files.setPosixFilePermissions(profile, PosixFilePermissions.fromString("rw-------"));
    assertEquals("\"p\"\n", ok(fromProfile.run("get", "profile/a", "-o", "raw")).stdout());
    CliProcess.Result flagWins = fromProfile.run("--token", "not-a-token", "get", "profile/a");
    assertEquals(ExitCodes.DENIED, flagWins.code(), flagWins::toString);
  }

  /** The watch's connection is cut while changes go on: it reconnects and prints each change once, in order. */
  @Test
  void watchResumesAfterItsConnectionIsCut() throws Exception {
    long from = http().put("/v1/kv/w/0", "0").json().getLong("revision");
    try (TcpProxy proxy = new TcpProxy(server.port())) {
      CliProcess.Running watch = cli.start("--url", url(proxy.port()), "watch", "w/", "-o", "json",
          "--from-revision", Long.toString(from), "--count", "5");
      http().put("/v1/kv/w/1", "1");
      watch.awaitOutput("\"key\":\"w/1\"", false);
      proxy.cut();
      http().put("/v1/kv/w/2", "2");
      http().delete("/v1/kv/w/1");
      http().put("/v1/kv/w/3", "3");
      proxy.restore();
      CliProcess.Result r = watch.await();
      assertEquals(0, r.code(), r::toString);
      List<String> seen = new ArrayList<>();
      long last = 0;
      for (String line : r.stdout().lines().toList()) {
        JsonObject e = new JsonObject(line);
        assertTrue(e.getLong("revision") > last, r::toString);
        last = e.getLong("revision");
        seen.add(e.getString("type") + " " + e.getString("key"));
      }
      assertEquals(List.of("put w/0", "put w/1", "put w/2", "delete w/1", "put w/3"), seen);
    }
  }

  private static CliProcess.Result ok(CliProcess.Result r) {
    assertEquals(0, r.code(), r::toString);
    assertFalse(r.stderr().contains("Exception"), r::toString);
    return r;
  }
}
