package io.ssot;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loopback TCP proxy to a target port that a test can cut, as a network outage would: either
 * {@link #cut()} (every proxied connection is closed, new ones are closed as soon as they are
 * accepted) or {@link #blackhole()} (nothing moves, as in a partition: connections stay open,
 * new ones are accepted and left waiting), until {@link #restore()}.
 */
public final class TcpProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int targetPort;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean up = true;
  private volatile boolean paused;

  public TcpProxy(int targetPort) throws IOException {
    this.targetPort = targetPort;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "proxy-accept-" + port());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  public int port() {
    return server.getLocalPort();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      open.add(in);
      if (!up) {
        closeQuietly(in);
        continue;
      }
      try {
        awaitUnpaused();
        Socket out = new Socket(InetAddress.getLoopbackAddress(), targetPort);
        open.add(out);
        in.setTcpNoDelay(true);
        out.setTcpNoDelay(true);
        pipe(in, out);
        pipe(out, in);
      } catch (IOException e) {
        closeQuietly(in);
      }
    }
  }

  private void pipe(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 << 10];
      try (InputStream is = from.getInputStream(); OutputStream os = to.getOutputStream()) {
        int n;
        while ((n = is.read(buffer)) >= 0) {
          awaitUnpaused(); // what was read waits, as TCP would retransmit it after the partition
          os.write(buffer, 0, n);
        }
      } catch (IOException e) {
        // cut, or one side went away
      } finally {
        closeQuietly(from);
        closeQuietly(to);
      }
    }, "proxy-pipe");
    t.setDaemon(true);
    t.start();
  }

  /** The outage: closes every proxied connection and refuses new ones (accepted, then closed). */
  public void cut() {
    up = false;
    open.forEach(this::closeQuietly);
  }

  /** The partition: nothing is forwarded and no new connection gets through until {@link #restore()}. */
  public void blackhole() {
    paused = true;
  }

  public void restore() {
    up = true;
    paused = false;
  }

  private void awaitUnpaused() {
    while (paused) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void closeQuietly(Socket s) {
    open.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    cut();
    server.close();
  }
}
