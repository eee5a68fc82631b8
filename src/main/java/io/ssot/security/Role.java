package io.ssot.security;

import java.util.Locale;

/** What a grant allows on its prefix; each role includes the ones before it (admin can write, write can read). */
public enum Role {
  READ, WRITE, ADMIN;

  public boolean includes(Role other) {
    return compareTo(other) >= 0;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** @return the role named {@code read}, {@code write} or {@code admin}, or null */
  public static Role parse(String name) {
    return switch (name) {
      case "read" -> READ;
      case "write" -> WRITE;
      case "admin" -> ADMIN;
      default -> null;
    };
  }
}
