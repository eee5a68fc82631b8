package io.ssot;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpVersion;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A blocking HTTP/1.1 connection for tests that must send bytes exactly as given (malformed
 * requests, half requests, idle connections) and parse the responses themselves.
 */
final class RawHttp implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(int port, int timeoutMillis) throws IOException {
    this(port, timeoutMillis, 0);
  }

  /** @param receiveBufferBytes the socket's receive buffer, set before it connects (0: the default) */
  RawHttp(int port, int timeoutMillis, int receiveBufferBytes) throws IOException {
    socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes);
    }
    socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
    socket.setSoTimeout(timeoutMillis);
    in = new BufferedInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  RawHttp write(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
    return this;
  }

  RawHttp write(String ascii) throws IOException {
    return write(ascii.getBytes(ISO_8859_1));
  }

  /** The next final (non-1xx) response. */
  Http.Response readFinal() throws IOException {
    Http.Response r = read();
    while (r.status() < 200) {
      r = read();
    }
    return r;
  }

  /** The next response, interim (1xx) ones included. */
  Http.Response read() throws IOException {
    String statusLine = line();
    String[] parts = statusLine.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
      throw new IOException("bad status line: " + statusLine);
    }
    int status = Integer.parseInt(parts[1]);
    HttpVersion version = parts[0].equals("HTTP/1.0") ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1;
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (String l = line(); !l.isEmpty(); l = line()) {
      int colon = l.indexOf(':');
      headers.add(l.substring(0, colon).trim(), l.substring(colon + 1).trim());
    }
    Buffer body = Buffer.buffer();
    if (status >= 200 && status != 204 && status != 304) {
      if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
        for (int size = chunkSize(); size > 0; size = chunkSize()) {
          body.appendBytes(in.readNBytes(size));
          line();
        }
        while (!line().isEmpty()) {
          // trailers
        }
      } else if (headers.contains("Content-Length")) {
        int length = Integer.parseInt(headers.get("Content-Length"));
        byte[] b = in.readNBytes(length);
        if (b.length < length) {
          throw new EOFException("the body ended early");
        }
        body.appendBytes(b);
      } else {
        body.appendBytes(in.readAllBytes());
      }
    }
    return new Http.Response(status, headers, body, version);
  }

  /** True when the server has closed the connection (end of stream) within the socket timeout. */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException e) {
      return true; // reset
    }
  }

  private int chunkSize() throws IOException {
    return Integer.parseInt(line().split(";", 2)[0].trim(), 16);
  }

  private String line() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c = in.read(); c != '\n'; c = in.read()) {
      if (c < 0) {
        throw new EOFException("the connection closed mid-response");
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(ISO_8859_1);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }
}
