package io.ssot.watch;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Checks that a message arriving in pieces (WebSocket frames) is valid UTF-8, keeping only the
 * few bytes of a character split between two pieces. RFC 6455 (8.1) requires a text message
 * that is not valid UTF-8 to fail the connection (close 1007); Vert.x would hand it on with
 * U+FFFD in place of the bad bytes.
 */
final class StrictUtf8 {

  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  /** The decoded characters are not needed: a small buffer, emptied as it fills. */
  private final CharBuffer discard = CharBuffer.allocate(1024);
  private byte[] carry = new byte[0];

  /** Feeds the next piece; {@code last} ends the message. False when the bytes are not UTF-8. */
  boolean feed(byte[] piece, boolean last) {
    ByteBuffer in;
    if (carry.length == 0) {
      in = ByteBuffer.wrap(piece);
    } else {
      in = ByteBuffer.allocate(carry.length + piece.length).put(carry).put(piece).flip();
    }
    boolean valid = decode(in, last) && (!last || (flush() && !in.hasRemaining()));
    if (!valid || last) {
      decoder.reset();
      carry = new byte[0];
      return valid;
    }
    carry = new byte[in.remaining()];
    in.get(carry);
    return true;
  }

  private boolean decode(ByteBuffer in, boolean last) {
    while (true) {
      discard.clear();
      CoderResult result = decoder.decode(in, discard, last);
      if (result.isError()) {
        return false;
      }
      if (result.isUnderflow()) {
        return true;
      }
    }
  }

  private boolean flush() {
    discard.clear();
    return !decoder.flush(discard).isError();
  }
}
