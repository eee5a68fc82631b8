package io.ssot.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bootstrap admin token: {@code admin.token} ({@code SSOT_ADMIN_TOKEN}) when set, else the
 * one in {@code <data>/admin.token}, generated on the first start with mode 0600. Its location is
 * logged, the token itself never.
 */
public final class BootstrapToken {

  static final String FILE = "admin.token";
  private static final Logger LOG = LoggerFactory.getLogger(BootstrapToken.class);
  private static final int MIN_LENGTH = 16;
  private static final int MAX_LENGTH = 512;

  private BootstrapToken() {
  }

  /** Blocking file I/O: call at start-up, off the event loops. */
  public static String resolve(String configured, Path dataDir) throws IOException {
    if (!configured.isEmpty()) {
      check(configured, "SSOT_ADMIN_TOKEN");
      LOG.info("The bootstrap admin token comes from admin.token (SSOT_ADMIN_TOKEN)");
      return configured;
    }
    Path file = dataDir.resolve(FILE).toAbsolutePath();
    if (Files.exists(file)) {
      if (isPosix(file) && !Files.getPosixFilePermissions(file).equals(owner())) {
        LOG.warn("{} is readable by others than its owner; restrict it with chmod 600", file);
      }
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      check(token, file.toString());
      LOG.info("The bootstrap admin token is in {}", file);
      return token;
    }
    String token = Secrets.token("admin", Secrets.newSecret());
    try {
      if (isPosix(file.getParent())) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(owner()));
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      return resolve(configured, dataDir); // another process just wrote it
    }
    Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
    LOG.info("Generated the bootstrap admin token into {} (mode 0600); use it as Authorization: Bearer <token>", file);
    return token;
  }

  private static void check(String token, String source) {
    if (token.length() < MIN_LENGTH || token.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(source + ": the admin token must be " + MIN_LENGTH + " to " + MAX_LENGTH
          + " characters long");
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7E) {
        throw new IllegalArgumentException(source + ": the admin token may only hold visible ASCII characters");
      }
    }
  }

  private static boolean isPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  private static Set<PosixFilePermission> owner() {
    return PosixFilePermissions.fromString("rw-------");
  }
}
