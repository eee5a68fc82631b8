package io.ssot.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on a loopback port whose open connections can be frozen: they stay open but carry
 * nothing more either way, as after a network cut that no side has noticed. New connections pass.
 */
final class FreezingProxy implements AutoCloseable {

  private final ServerSocket server;
  private final int target;
  private final List<Link> links = new CopyOnWriteArrayList<>();

  FreezingProxy(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(this::accept, "proxy-accept");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** Every connection open now carries nothing more; later ones pass. */
  void freezeOpenConnections() {
    links.forEach(l -> l.frozen = true);
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        Link link = new Link(client, upstream);
        links.add(link);
        pump(link, client.getInputStream(), upstream.getOutputStream());
        pump(link, upstream.getInputStream(), client.getOutputStream());
      } catch (IOException e) {
        // closed, or the target refused: the client sees its connection closed
      }
    }
  }

  private static void pump(Link link, InputStream in, OutputStream out) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16 << 10];
      try {
        int n;
        while ((n = in.read(buf)) >= 0) {
          while (link.frozen) {
            Thread.sleep(50); // hold the bytes: nothing reaches the other side
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // one side went away
      } finally {
        if (!link.frozen) {
          link.close();
        }
      }
    }, "proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    server.close();
    links.forEach(l -> {
      l.frozen = false;
      l.close();
    });
  }

  private static final class Link {
    final Socket a;
    final Socket b;
    volatile boolean frozen;

    Link(Socket a, Socket b) {
      this.a = a;
      this.b = b;
    }

    void close() {
      try {
        a.close();
        b.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }
}
