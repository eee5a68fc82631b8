package io.ssot.client;

/**
 * Preconditions and durability of a put or delete: {@code WriteOptions.ifMatch(rev)},
 * {@code WriteOptions.ifAbsent()}, {@code WriteOptions.none().durability(Durability.SYNC)}.
 * A failed precondition is a {@link SsotException.PreconditionFailedException}.
 *
 * @param ifMatch    only if the key's revision is this one; -1 for no such condition
 * @param onlyIfAbsent only if the key does not exist (puts only)
 * @param durability null for the server's default
 */
public record WriteOptions(long ifMatch, boolean onlyIfAbsent, Durability durability) {

  private static final WriteOptions NONE = new WriteOptions(-1, false, null);

  public WriteOptions {
    if (ifMatch >= 0 && onlyIfAbsent) {
      throw new IllegalArgumentException("ifMatch and ifAbsent exclude each other");
    }
  }

  public static WriteOptions none() {
    return NONE;
  }

  public static WriteOptions ifMatch(long revision) {
    if (revision < 0) {
      throw new IllegalArgumentException("a revision is >= 0: " + revision);
    }
    return new WriteOptions(revision, false, null);
  }

  public static WriteOptions ifAbsent() {
    return new WriteOptions(-1, true, null);
  }

  public WriteOptions durability(Durability d) {
    return new WriteOptions(ifMatch, onlyIfAbsent, d);
  }
}
