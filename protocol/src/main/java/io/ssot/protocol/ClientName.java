package io.ssot.protocol;

/**
 * How a watching client names itself: the query parameters {@code clientId}, {@code application}
 * and {@code instance} of the WebSocket upgrade on {@code /v1/watch}, each optional, each 1 to
 * {@link #MAX_LENGTH} characters of {@code [A-Za-z0-9._:@/+-]}. The server lists them on
 * {@code GET /v1/clients}; it keeps them, and the acks of at most {@link #MAX_ACKED_WATCHES}
 * watches, in a record of fixed size per connection.
 */
public final class ClientName {

  public static final String CLIENT_ID = "clientId";
  public static final String APPLICATION = "application";
  public static final String INSTANCE = "instance";
  public static final int MAX_LENGTH = 128;
  /** Watches per connection whose applied revision the server keeps; an ack for one more is refused. */
  public static final int MAX_ACKED_WATCHES = 16;

  private ClientName() {
  }

  /** Why {@code value} is not a valid name for {@code parameter}, or null when it is. */
  public static String problem(String parameter, String value) {
    if (value.isEmpty() || value.length() > MAX_LENGTH) {
      return parameter + " must be 1 to " + MAX_LENGTH + " characters";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
          || c == '.' || c == '_' || c == ':' || c == '@' || c == '/' || c == '+' || c == '-';
      if (!ok) {
        return parameter + " has a character outside [A-Za-z0-9._:@/+-] at index " + i;
      }
    }
    return null;
  }
}
