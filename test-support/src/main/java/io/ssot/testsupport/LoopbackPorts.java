package io.ssot.testsupport;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/** Loopback ports for the servers tests start as child JVMs. */
public final class LoopbackPorts {

  /** Starts at a random point of the range, so that test JVMs running side by side rarely meet. */
  private static final AtomicInteger NEXT = new AtomicInteger(20_000 + ThreadLocalRandom.current().nextInt(12_000));

  private LoopbackPorts() {
  }

  /**
   * A loopback port that is free now and was not handed out before by this JVM. A child binds it
   * a moment later, so it is taken below the kernel's ephemeral range (32768 and up on Linux):
   * there, neither another {@code bind(0)} nor an outgoing connection (to a proxy, to PostgreSQL)
   * can take it in between. Handing out each port once keeps two children from racing for one.
   */
  public static int free() {
    while (true) {
      int port = NEXT.getAndIncrement();
      if (port >= 32_000) {
        NEXT.compareAndSet(port + 1, 20_000);
        continue;
      }
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        return s.getLocalPort();
      } catch (IOException taken) {
        // bound by someone else: the next one
      }
    }
  }
}
