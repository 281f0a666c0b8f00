package dev.runaway.redis;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real redis-server the fleet tests run against, and a private one a test may stop. */
final class RedisSupport {

  static final String PORT_VARIABLE = "RUNAWAY_REDIS_PORT";

  private RedisSupport() {}

  /** The shared server's port; skips the test (with the reason) when none was provided. */
  static int port() {
    String p = System.getenv(PORT_VARIABLE);
    if (p == null || p.isBlank()) {
      p = System.getProperty("runaway.redis.port");
    }
    assumeTrue(p != null && !p.isBlank(), "No Redis for the fleet tests: set " + PORT_VARIABLE
        + " to the port of a redis-server on 127.0.0.1 (.ci/run starts one and sets it)");
    return Integer.parseInt(p.trim());
  }

  /** Reads a key directly, to check what the ledger wrote. */
  static String get(int port, String key) {
    RedisClient client = RedisClient.create(RedisURI.create("127.0.0.1", port));
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return c.sync().get(key);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /** Where redis-server is: on the PATH, or skip the test. */
  static String serverBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      Path p = Path.of(dir, "redis-server");
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    assumeTrue(false, "redis-server is not on the PATH: the outage tests start and stop one of their own");
    return null;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A redis-server of the test's own, on loopback, without persistence, that it may kill or pause. */
  static final class OwnServer implements AutoCloseable {
    final int port;
    final Process process;

    OwnServer(String... extraArgs) throws Exception {
      this(freePort(), extraArgs);
    }

    /** A new server on a given port: the restart of a killed one, empty as after a restart without persistence. */
    OwnServer(int port, String... extraArgs) throws Exception {
      port(); // only where the fleet tests are meant to run
      this.port = port;
      List<String> cmd = new ArrayList<>(List.of(serverBinary(), "--port", Integer.toString(port), "--bind",
          "127.0.0.1", "--save", "", "--appendonly", "no"));
      cmd.addAll(List.of(extraArgs));
      this.process = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      awaitListening();
    }

    private void awaitListening() throws Exception {
      // Bounded attempts: redis-server listens within milliseconds. A TCP connect alone is not
      // enough: it can reach a dying server of an earlier test on a reused port, whose connections
      // then close ("Connection closed prematurely"). Our server answers PING with +PONG, or with
      // -NOAUTH when it has a password, and is still alive.
      for (int i = 0; i < 200; i++) {
        try (java.net.Socket s = new java.net.Socket()) {
          s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 100);
          s.setSoTimeout(200);
          s.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
          int first = s.getInputStream().read();
          if ((first == '+' || first == '-') && process.isAlive()) {
            return;
          }
        } catch (IOException notYet) {
          // not listening, or not answering yet
        }
        if (!process.isAlive()) {
          throw new IllegalStateException("redis-server exited with " + process.exitValue());
        }
        process.waitFor(10, TimeUnit.MILLISECONDS);
      }
      throw new IllegalStateException("redis-server did not answer on " + port);
    }

    void kill() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }

    void signal(String sig) throws Exception {
      Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).start();
      p.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
      if (process.isAlive()) {
        try {
          signal("CONT"); // a paused server would not die until continued
        } catch (Exception e) {
          // killed below either way
        }
        process.destroyForcibly();
      }
    }
  }

  /** A loopback TCP proxy to a Redis that closes its first {@code drops} connections after their first bytes. */
  static final class DroppingProxy implements AutoCloseable {
    private final java.net.ServerSocket listener =
        new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    private final java.util.concurrent.atomic.AtomicInteger toDrop;
    private final java.util.concurrent.atomic.AtomicInteger dropped = new java.util.concurrent.atomic.AtomicInteger();
    private final List<java.net.Socket> sockets = new java.util.concurrent.CopyOnWriteArrayList<>();

    DroppingProxy(int target, int drops) throws java.io.IOException {
      this.toDrop = new java.util.concurrent.atomic.AtomicInteger(drops);
      Thread acceptor = new Thread(() -> {
        while (!listener.isClosed()) {
          try {
            java.net.Socket in = listener.accept();
            sockets.add(in);
            if (toDrop.getAndDecrement() > 0) {
              in.getInputStream().read(new byte[256]);
              in.close();
              dropped.incrementAndGet();
              continue;
            }
            java.net.Socket out = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), target);
            sockets.add(out);
            pump(in, out);
            pump(out, in);
          } catch (java.io.IOException closed) {
            return;
          }
        }
      }, "dropping-proxy");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    private static void pump(java.net.Socket from, java.net.Socket to) {
      Thread t = new Thread(() -> {
        try {
          from.getInputStream().transferTo(to.getOutputStream());
        } catch (java.io.IOException closed) {
          // the other side went away
        } finally {
          try {
            to.shutdownOutput();
          } catch (java.io.IOException ignored) {
            // already closed
          }
        }
      }, "dropping-proxy-pump");
      t.setDaemon(true);
      t.start();
    }

    int port() {
      return listener.getLocalPort();
    }

    int dropped() {
      return dropped.get();
    }

    @Override
    public void close() throws java.io.IOException {
      listener.close();
      for (java.net.Socket s : sockets) {
        s.close();
      }
    }
  }
}
