package io.ssot.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The profile file ({@code ~/.config/ssot/config}, or {@code $SSOTCTL_CONFIG}): {@code url} and
 * {@code token}, one per line as {@code key=value} or {@code key: value} (so a flat YAML file
 * reads too), {@code #} comments. It holds a token, so like ssh with a private key it is refused
 * when its mode lets the group or others read or write it.
 */
final class Profile {

  static final Set<String> KEYS = Set.of("url", "token");
  private static final Set<PosixFilePermission> UNSAFE = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

  private Profile() {
  }

  /** The default place: {@code $SSOTCTL_CONFIG}, else {@code ~/.config/ssot/config}. */
  static Path location(Map<String, String> env) {
    String named = env.get("SSOTCTL_CONFIG");
    if (named != null && !named.isBlank()) {
      return Path.of(named);
    }
    return Path.of(System.getProperty("user.home"), ".config", "ssot", "config");
  }

  /** Its settings; empty when the file does not exist. */
  static Map<String, String> read(Path file) {
    if (!Files.exists(file)) {
      return Map.of();
    }
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file);
      if (!java.util.Collections.disjoint(mode, UNSAFE)) {
        throw new UsageException("the profile file " + file + " has mode " + PosixFilePermissions.toString(mode)
            + ", which lets others read its token: run chmod 600 " + file);
      }
      Map<String, String> settings = new HashMap<>();
      int n = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        n++;
        String text = line.strip();
        if (text.isEmpty() || text.startsWith("#") || text.equals("---")) {
          continue;
        }
        int eq = text.indexOf('=');
        int colon = text.indexOf(':');
        int at = eq >= 0 && (colon < 0 || eq < colon) ? eq : colon;
        String key = at < 0 ? "" : text.substring(0, at).strip();
        if (!KEYS.contains(key)) {
          throw new UsageException(file + " line " + n + ": expected url=... or token=..., not '" + text + "'");
        }
        settings.put(key, unquote(text.substring(at + 1).strip()));
      }
      return settings;
    } catch (IOException e) {
      throw new UsageException("cannot read the profile file " + file + ": " + e.getMessage(), e);
    } catch (UnsupportedOperationException e) {
      throw new UsageException("cannot check the mode of the profile file " + file + " on this file system", e);
    }
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"") || s.startsWith("'") && s.endsWith("'"))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }
}
