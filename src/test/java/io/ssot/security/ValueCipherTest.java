package io.ssot.security;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.ssot.store.Entry;
import io.ssot.store.SystemKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encryption at rest: sealing under the configured prefixes, opening, and refusing what does not authenticate. */
class ValueCipherTest {

  private static final byte[] VALUE = "{\"password\":\"hunter2\"}".getBytes(UTF_8);

  @TempDir
  Path dir;

  private Path keyFile(String name) throws IOException {
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Path file = dir.resolve(name);
    Files.writeString(file, Base64.getEncoder().encodeToString(key) + "\n");
    return file;
  }

  private ValueCipher cipher(Path keyFile) {
    return ValueCipher.configure(keyFile.toString(), "secret/, vault");
  }

  @Test
  void aSealedValueOpensToWhatWasSealed() throws IOException {
    ValueCipher cipher = cipher(keyFile("k"));
    byte[] sealed = cipher.seal("secret/db", VALUE);
    assertTrue(ValueCipher.isSealed(sealed));
    assertFalse(new String(sealed, UTF_8).contains("hunter2"), "the stored bytes do not show the value");
    assertArrayEquals(VALUE, cipher.open("secret/db", sealed));
  }

  @Test
  void sealingTwiceGivesDifferentBytes() throws IOException {
    ValueCipher cipher = cipher(keyFile("k"));
    assertFalse(Arrays.equals(cipher.seal("secret/db", VALUE), cipher.seal("secret/db", VALUE)),
        "a fresh nonce every time");
  }

  @Test
  void onlyKeysUnderTheConfiguredPrefixesAreSealed() throws IOException {
    ValueCipher cipher = cipher(keyFile("k"));
    assertTrue(cipher.covers("secret/db"));
    assertTrue(cipher.covers("vault"));
    assertTrue(cipher.covers("vaulted"), "a plain byte prefix");
    assertFalse(cipher.covers("open/db"));
    assertFalse(cipher.covers("secre"));
    assertFalse(cipher.covers(SystemKeys.TOKENS + "x"), "the server's own records never are");
    assertSame(VALUE, cipher.seal("open/db", VALUE));
    assertSame(VALUE, cipher.open("open/db", VALUE), "a plain value opens as it is");
  }

  @Test
  void plainJsonIsNeverTakenForAnEnvelope() {
    assertFalse(ValueCipher.isSealed("{}".getBytes(UTF_8)));
    assertFalse(ValueCipher.isSealed("1".getBytes(UTF_8)));
    assertFalse(ValueCipher.isSealed(new byte[0]));
    assertFalse(ValueCipher.isSealed(null));
  }

  @Test
  void anotherKeyCannotOpenIt() throws IOException {
    byte[] sealed = cipher(keyFile("k")).seal("secret/db", VALUE);
    ValueCipher other = cipher(keyFile("other"));
    assertThrows(ValueCipher.Undecryptable.class, () -> other.open("secret/db", sealed));
  }

  @Test
  void noKeyCannotOpenIt() throws IOException {
    byte[] sealed = cipher(keyFile("k")).seal("secret/db", VALUE);
    assertFalse(ValueCipher.DISABLED.enabled());
    assertThrows(ValueCipher.Undecryptable.class, () -> ValueCipher.DISABLED.open("secret/db", sealed));
  }

  @Test
  void everyAlteredByteIsRefused() throws IOException {
    ValueCipher cipher = cipher(keyFile("k"));
    byte[] sealed = cipher.seal("secret/db", VALUE);
    // Byte 0 marks the envelope; altering it makes the bytes a plain value, which no JSON value is.
    for (int i = 1; i < sealed.length; i++) {
      byte[] altered = sealed.clone();
      altered[i] ^= 0x01;
      assertThrows(ValueCipher.Undecryptable.class, () -> cipher.open("secret/db", altered), "byte " + i);
    }
    byte[] truncated = Arrays.copyOf(sealed, sealed.length - 1);
    assertThrows(ValueCipher.Undecryptable.class, () -> cipher.open("secret/db", truncated));
  }

  @Test
  void aCiphertextCopiedUnderAnotherKeyIsRefused() throws IOException {
    ValueCipher cipher = cipher(keyFile("k"));
    byte[] sealed = cipher.seal("secret/db", VALUE);
    assertThrows(ValueCipher.Undecryptable.class, () -> cipher.open("secret/other", sealed));
  }

  @Test
  void anEntryOpensWithItsMetadataKept() throws IOException {
    ValueCipher cipher = cipher(keyFile("k"));
    Entry stored = new Entry("secret/db", cipher.seal("secret/db", VALUE), 7, 3, 2, 5, 1_000L, "w");
    Entry opened = cipher.open(stored);
    assertArrayEquals(VALUE, opened.value());
    assertEquals(List.of("secret/db", 7L, 3L, 2L, 5L, 1_000L, "w"), List.of(opened.key(), opened.revision(),
        opened.createRevision(), opened.version(), opened.prevRevision(), opened.updatedAt(), opened.updatedBy()));
    Entry plain = new Entry("open/db", VALUE, 8, 8, 1, 0, 1_000L, "w");
    assertSame(plain, cipher.open(plain), "nothing to open");
  }

  @Test
  void aKeyFileMustHoldThirtyTwoBytesRawOrBase64() throws IOException {
    Path raw = dir.resolve("raw");
    byte[] key = new byte[32];
    new SecureRandom().nextBytes(key);
    Files.write(raw, key);
    assertTrue(ValueCipher.configure(raw.toString(), "secret/").enabled());
    Path shortKey = dir.resolve("short");
    Files.writeString(shortKey, Base64.getEncoder().encodeToString(new byte[16]));
    assertThrows(IllegalArgumentException.class, () -> ValueCipher.configure(shortKey.toString(), "secret/"));
    assertThrows(IllegalArgumentException.class, () -> ValueCipher.configure("", "secret/"),
        "prefixes without a key");
    assertSame(ValueCipher.DISABLED, ValueCipher.configure("", ""));
  }
}
