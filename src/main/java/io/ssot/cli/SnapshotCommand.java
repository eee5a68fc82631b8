package io.ssot.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.ssot.client.SsotClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "snapshot", description = "Snapshots of the whole store (admin): save one from the server, restore one "
    + "into a data directory (offline) or into a server's empty store.")
final class SnapshotCommand {

  @Spec
  CommandSpec spec;

  @Command(name = "save", description = {"Streams GET /v1/snapshot into FILE (through FILE.part, renamed once complete),",
      "then verifies it (format, count, SHA-256). A file that does not verify is deleted (exit 1)."})
  int save(@Parameters(paramLabel = "FILE") Path file) throws IOException {
    Cli root = root();
    SsotClient client = root.client();
    Path part = file.resolveSibling(file.getFileName() + ".part");
    Progress download = Progress.ofBytes("saving");
    try (OutputStream out = Files.newOutputStream(part)) {
      client.saveSnapshot(out, download::update);
    } catch (RuntimeException | IOException e) {
      Files.deleteIfExists(part);
      throw e;
    } finally {
      download.done();
    }
    OfflineSnapshots.Summary summary;
    try {
      Progress check = Progress.of("verifying", Files.size(part));
      summary = root.snapshots().verify(part, check::update);
      check.done();
    } catch (IOException e) {
      Files.deleteIfExists(part);
      throw new IOException("the snapshot received does not verify, nothing saved: " + e.getMessage(), e);
    }
    Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    print(root.output(), "saved " + file, summary);
    return ExitCodes.OK;
  }

  @Command(name = "restore", description = {"With --data-dir: restores FILE offline into the empty (or missing) data",
      "directory DIR (no server needed): verifies the whole file first, refuses a non-empty directory (exit 2);",
      "then start the server on DIR. Without: uploads FILE to the server (POST /v1/snapshot), which restores it",
      "into its store if that was never written (else exit 4) after verifying it whole."})
  int restore(@Parameters(paramLabel = "FILE") Path file,
              @Option(names = "--data-dir", paramLabel = "DIR",
                  description = "The data directory to fill offline (the server's data.dir).") Path dataDir) {
    Cli root = root();
    if (!Files.isRegularFile(file)) {
      throw new UsageException(file + " is not a file");
    }
    OfflineSnapshots.Summary summary;
    try {
      long size = Files.size(file);
      if (dataDir == null) {
        Progress upload = Progress.of("uploading", size);
        JsonNode r = root.client().restoreSnapshot(file, upload::update);
        upload.done();
        summary = new OfflineSnapshots.Summary(r.path("revision").asLong(), r.path("createdAt").asText(),
            r.path("keys").asLong(), r.path("bytes").asLong(), r.path("sha256").asText());
        print(root.output(), "restored " + file + " into the server", summary);
        return ExitCodes.OK;
      }
      Progress progress = Progress.of("restoring", 2 * size);
      summary = root.snapshots().restore(file, dataDir, progress::update);
      progress.done();
    } catch (IOException e) {
      throw new UsageException("nothing restored: " + e.getMessage(), e);
    }
    print(root.output(), "restored " + file + " into " + dataDir, summary);
    return ExitCodes.OK;
  }

  private static void print(Output out, String what, OfflineSnapshots.Summary s) {
    if (out.format == Output.Format.json) {
      out.json(s);
    } else {
      out.line(what + ": revision " + s.revision() + ", " + s.count() + " entries, " + s.bytes() + " bytes, sha256 "
          + s.sha256());
    }
  }

  private Cli root() {
    return (Cli) spec.root().userObject();
  }
}
