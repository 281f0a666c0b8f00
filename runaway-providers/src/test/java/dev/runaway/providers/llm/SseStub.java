package dev.runaway.providers.llm;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A loopback server that answers every POST with a scripted server-sent-event stream in the
 * provider's wire format (see the fixtures README beside the streaming tests).
 */
final class SseStub implements AutoCloseable {

  /** What the stream does after its events. */
  enum Ending { COMPLETE, HANG, JSON }

  private final HttpServer server;
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private final CountDownLatch release = new CountDownLatch(1);
  final List<String> bodies = new CopyOnWriteArrayList<>();
  private volatile List<String> events = List.of();
  private volatile Ending ending = Ending.COMPLETE;

  SseStub() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(pool);
    server.createContext("/", exchange -> {
      bodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
      exchange.getResponseHeaders().add("Content-Type", ending == Ending.JSON ? "application/json" : "text/event-stream");
      exchange.sendResponseHeaders(200, 0);
      try (OutputStream out = exchange.getResponseBody()) {
        for (String e : events) {
          out.write((e + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        if (ending == Ending.HANG) {
          // A model still generating: the client abandons the stream meanwhile.
          release.await(30, TimeUnit.SECONDS);
        }
      } catch (IOException | InterruptedException ignored) {
        // the client went away
      }
    });
    server.start();
  }

  SseStub script(Ending ending, String... events) {
    this.ending = ending;
    this.events = List.of(events);
    return this;
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    pool.shutdownNow();
  }
}
