package io.ssot;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fixture cleans up after itself: a suite run leaves no data directories behind. */
class TestServerTest {

  @Test
  void closeDeletesTheDataDirectoryItMade() throws Exception {
    Path dir;
    try (TestServer server = TestServer.start()) {
      dir = server.dataDir;
      assertTrue(Files.exists(dir.resolve("kv.dat")), "the store is in " + dir);
    }
    assertFalse(Files.exists(dir), dir + " is left behind");
  }

  @Test
  void aDataDirectoryGivenInTheSettingsIsTheCallers(@TempDir Path tmp) throws Exception {
    Path dir = tmp.resolve("data");
    try (TestServer server = TestServer.start(Map.of("data.dir", dir.toString()))) {
      assertTrue(Files.exists(dir.resolve("kv.dat")));
    }
    assertTrue(Files.exists(dir.resolve("clean-shutdown")), "kept, closed cleanly, for the caller to inspect");
  }
}
