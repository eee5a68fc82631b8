package io.ssot.security;

import io.ssot.store.Entry;
import io.ssot.store.MvccStore;
import io.ssot.store.SystemKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encryption at rest of the values under configured key prefixes: the one place that knows it.
 * A value is sealed before it reaches the store, so the memory-mapped map, the change log and
 * PostgreSQL only ever hold the envelope, and opened only on its way into a response.
 *
 * <p>Envelope: {@code 0x00}, the key id (one byte), a random 96-bit nonce, then the AES-256-GCM
 * ciphertext with its 128-bit tag. The additional authenticated data is the envelope's first two
 * bytes and the UTF-8 key name, so a ciphertext copied under another key (or with another key id)
 * fails its tag instead of decrypting. A stored JSON value never starts with byte 0, so an
 * envelope is recognised by its first byte alone: reads of plain values pay one byte comparison,
 * and values sealed while a prefix was configured still open after it is removed.
 */
public final class ValueCipher {

  /** No key: values are stored as they come; an envelope met on a read is {@link Undecryptable}. */
  public static final ValueCipher DISABLED = new ValueCipher(null, List.of());

  /** The store record that says the data is encrypted, and with which key (by fingerprint). */
  public static final String MARKER_KEY = SystemKeys.PREFIX + "encryption";

  private static final byte ENVELOPE = 0;
  private static final byte KEY_ID = 1;
  private static final int HEADER = 2;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int OVERHEAD = HEADER + NONCE_BYTES + TAG_BITS / 8;

  private final SecretKeySpec key;
  private final List<String> prefixes;
  private final SecureRandom random = new SecureRandom();

  private ValueCipher(SecretKeySpec key, List<String> prefixes) {
    this.key = key;
    this.prefixes = List.copyOf(prefixes);
  }

  /**
   * The cipher configured by {@code encryption.keyFile} and {@code encryption.prefixes}.
   *
   * @param keyFile  a file of exactly 32 raw bytes, or of their base64 (surrounding whitespace
   *                 ignored); empty for none
   * @param prefixes comma-separated plain byte prefixes of the keys whose values are encrypted
   */
  public static ValueCipher configure(String keyFile, String prefixes) {
    List<String> list = Arrays.stream(prefixes.split(",")).map(String::trim).filter(p -> !p.isEmpty()).toList();
    if (keyFile.isEmpty()) {
      if (!list.isEmpty()) {
        throw new IllegalArgumentException("encryption.prefixes is set but there is no key: set "
            + "SSOT_ENCRYPTION_KEY_FILE (encryption.keyFile) to a file holding a 32-byte AES key");
      }
      return DISABLED;
    }
    return new ValueCipher(new SecretKeySpec(readKey(Path.of(keyFile)), "AES"), list);
  }

  private static byte[] readKey(Path file) {
    byte[] content;
    try {
      content = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the encryption key file " + file + ": " + e, e);
    }
    if (content.length == 32) {
      return content;
    }
    try {
      byte[] decoded = Base64.getDecoder().decode(new String(content, StandardCharsets.US_ASCII).strip());
      if (decoded.length == 32) {
        return decoded;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new IllegalArgumentException("the encryption key file " + file
        + " must hold exactly 32 bytes (AES-256), raw or base64-encoded");
  }

  public boolean enabled() {
    return key != null;
  }

  /** Whether values of {@code key} are encrypted when written; the server's own records never are. */
  public boolean covers(String key) {
    if (SystemKeys.isSystem(key)) {
      return false;
    }
    for (String prefix : prefixes) {
      if (key.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /** The bytes to store for {@code value} of {@code key}: an envelope under a configured prefix. */
  public byte[] seal(String key, byte[] value) {
    if (this.key == null || !covers(key)) {
      return value;
    }
    byte[] out = new byte[OVERHEAD + value.length];
    out[0] = ENVELOPE;
    out[1] = KEY_ID;
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    System.arraycopy(nonce, 0, out, HEADER, NONCE_BYTES);
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.ENCRYPT_MODE, this.key, new GCMParameterSpec(TAG_BITS, nonce));
      gcm.updateAAD(aad(key, KEY_ID));
      gcm.doFinal(value, 0, value.length, out, HEADER + NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
    return out;
  }

  /** The value of {@code key} from its stored bytes: decrypted when they are an envelope. */
  public byte[] open(String key, byte[] stored) {
    if (!isSealed(stored)) {
      return stored;
    }
    if (this.key == null) {
      throw new Undecryptable("the value of " + key + " is encrypted at rest and this server has no key "
          + "(SSOT_ENCRYPTION_KEY_FILE)");
    }
    if (stored.length < OVERHEAD || stored[1] != KEY_ID) {
      throw new Undecryptable("the value of " + key + " is encrypted with an unknown key id");
    }
    try {
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      gcm.init(Cipher.DECRYPT_MODE, this.key, new GCMParameterSpec(TAG_BITS, stored, HEADER, NONCE_BYTES));
      gcm.updateAAD(aad(key, stored[1]));
      return gcm.doFinal(stored, HEADER + NONCE_BYTES, stored.length - HEADER - NONCE_BYTES);
    } catch (AEADBadTagException e) {
      throw new Undecryptable("the value of " + key + " does not authenticate with the configured key "
          + "(wrong key, or the stored bytes were altered)");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available", e);
    }
  }

  /** {@code entry} with its value opened; the same entry when there is nothing to open. */
  public Entry open(Entry entry) {
    if (entry == null || !isSealed(entry.value())) {
      return entry;
    }
    return new Entry(entry.key(), open(entry.key(), entry.value()), entry.revision(), entry.createRevision(),
        entry.version(), entry.prevRevision(), entry.updatedAt(), entry.updatedBy());
  }

  /** Entries with their values opened. */
  public List<Entry> open(List<Entry> entries) {
    for (Entry e : entries) {
      if (e.value() != null && isSealed(e.value())) {
        return entries.stream().map(this::open).toList();
      }
    }
    return entries;
  }

  public static boolean isSealed(byte[] stored) {
    return stored != null && stored.length > 0 && stored[0] == ENVELOPE;
  }

  private static byte[] aad(String key, byte keyId) {
    byte[] name = key.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(HEADER + name.length).put(ENVELOPE).put(keyId).put(name).array();
  }

  /**
   * Start-up check against the store's marker record: refuses encrypted data without a key or
   * with a different key (so that a wrong key never serves garbage or fails read by read). Call
   * before serving.
   *
   * @return the marker to record at {@link #MARKER_KEY} the first time a key is configured (the
   *         caller commits it), or {@code null} when there is none to record
   * @throws IllegalArgumentException naming what to fix in the configuration
   */
  public byte[] checkStore(MvccStore store) {
    Entry marker = store.get(MARKER_KEY);
    if (marker == null) {
      return enabled() ? markerValue() : null;
    }
    if (!enabled()) {
      throw new IllegalArgumentException("The store holds values encrypted at rest (since revision "
          + marker.createRevision() + ") but no key is configured: set SSOT_ENCRYPTION_KEY_FILE "
          + "(encryption.keyFile) to the key file they were written with");
    }
    if (!MessageDigest.isEqual(marker.value(), markerValue())) {
      throw new IllegalArgumentException("The encryption key file does not hold the key the store's values were "
          + "encrypted with (its fingerprint differs from the one recorded at revision " + marker.revision()
          + "); refusing to start rather than fail every read of an encrypted value");
    }
    return null;
  }

  /** {@code {"keyId":1,"fingerprint":"<base64 HMAC-SHA256 of a fixed label>"}}: names the key, reveals nothing. */
  private byte[] markerValue() {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      byte[] fingerprint = mac.doFinal("ssot value encryption key fingerprint".getBytes(StandardCharsets.US_ASCII));
      return ("{\"keyId\":" + KEY_ID + ",\"fingerprint\":\"" + Base64.getEncoder().encodeToString(fingerprint) + "\"}")
          .getBytes(StandardCharsets.US_ASCII);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  /** A stored value that cannot be decrypted: no key, an unknown key id, or a failed tag. */
  public static final class Undecryptable extends RuntimeException {
    Undecryptable(String message) {
      super(message, null, false, false);
    }
  }
}
