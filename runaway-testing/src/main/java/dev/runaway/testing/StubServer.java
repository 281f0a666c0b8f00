package dev.runaway.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A scripted HTTP server on 127.0.0.1 (an ephemeral port) for provider tests: answers per path,
 * FIFO queues whose last answer repeats, dynamic handlers, a switch that fails every request,
 * and a record of every request with its headers and body. Delays happen on the server's threads,
 * so a test waits only on the client's timeout.
 *
 * <p>Thread-safe.
 */
public final class StubServer implements AutoCloseable, AfterEachCallback {

  static {
    // Without TCP_NODELAY every exchange waits ~40 ms for a delayed ACK between the response's
    // header and body writes; read once, when the JDK's server configuration is first loaded.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final Map<String, Deque<StubResponse>> queues = new ConcurrentHashMap<>();
  private final Map<String, Function<RecordedRequest, StubResponse>> routes = new ConcurrentHashMap<>();
  private final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
  private final Object arrivals = new Object();
  private volatile StubResponse failAll;
  private volatile Function<RecordedRequest, StubResponse> fallback;

  private StubServer() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "stub-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Starts a server on 127.0.0.1 and an ephemeral port.
   *
   * @return the running server
   */
  public static StubServer start() {
    return new StubServer();
  }

  /**
   * Returns the server's root URL, {@code http://127.0.0.1:<port>}.
   *
   * @return the URL
   */
  public URI baseUrl() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /**
   * Queues answers for a path (without query): served in order, the last one repeating.
   *
   * @param path the path
   * @param responses the answers
   * @return this server
   */
  public StubServer enqueue(String path, StubResponse... responses) {
    Deque<StubResponse> q = queues.computeIfAbsent(path, p -> new ArrayDeque<>());
    synchronized (q) {
      q.addAll(List.of(responses));
    }
    return this;
  }

  /**
   * Answers a path with a function of the request (for cursors and query-dependent answers);
   * takes precedence over queued answers.
   *
   * @param path the path
   * @param handler the handler
   * @return this server
   */
  public StubServer route(String path, Function<RecordedRequest, StubResponse> handler) {
    routes.put(path, handler);
    return this;
  }

  /**
   * Answers, with a function of the request, every request that no route or queue answers
   * (instead of a 404): a service whose paths carry an id or a token, such as Telegram's
   * {@code /bot<token>/sendMessage}. Called on the server's thread as the request arrives.
   *
   * @param handler the handler
   * @return this server
   */
  public StubServer fallback(Function<RecordedRequest, StubResponse> handler) {
    this.fallback = handler;
    return this;
  }

  /**
   * Answers every request with {@code response}, whatever the path, until {@link #reset()}.
   *
   * @param response the answer
   * @return this server
   */
  public StubServer failAll(StubResponse response) {
    this.failAll = response;
    return this;
  }

  /** Forgets every route, queue, failure and recorded request. */
  public void reset() {
    queues.clear();
    routes.clear();
    fallback = null;
    requests.clear();
    failAll = null;
  }

  /**
   * Returns every request received so far.
   *
   * @return the requests in arrival order
   */
  public List<RecordedRequest> requests() {
    return new ArrayList<>(requests);
  }

  /**
   * Returns the requests to one path.
   *
   * @param path the path
   * @return the requests
   */
  public List<RecordedRequest> requestsTo(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  /**
   * Waits until at least {@code n} requests have arrived.
   *
   * @param n the count
   * @param timeout how long to wait at most
   * @return {@code true} if they arrived
   * @throws InterruptedException if interrupted
   */
  public boolean awaitRequests(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (arrivals) {
      while (requests.size() < n) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(arrivals, left);
      }
    }
    return true;
  }

  private void handle(HttpExchange exchange) {
    try (exchange) {
      byte[] body;
      try (InputStream in = exchange.getRequestBody()) {
        body = in.readAllBytes();
      }
      Map<String, List<String>> headers = new LinkedHashMap<>();
      exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
      URI uri = exchange.getRequestURI();
      RecordedRequest request = new RecordedRequest(exchange.getRequestMethod(), uri.getPath(), uri.getRawQuery(),
          Map.copyOf(headers), new String(body, StandardCharsets.UTF_8), body);
      synchronized (arrivals) {
        requests.add(request);
        arrivals.notifyAll();
      }
      StubResponse response = answer(request);
      if (!response.delay().isZero()) {
        try {
          Thread.sleep(response.delay().toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
      response.headers().forEach(h -> exchange.getResponseHeaders().add(h.getKey(), h.getValue()));
      byte[] out = response.body();
      exchange.sendResponseHeaders(response.status(), out.length == 0 ? -1 : out.length);
      if (out.length > 0) {
        OutputStream os = exchange.getResponseBody();
        os.write(out, 0, response.truncate() ? out.length / 2 : out.length);
        os.flush();
        // A truncated answer: closing the exchange short of the announced length drops the connection.
      }
    } catch (IOException | RuntimeException e) {
      // The client went away, or the body was cut on purpose.
    }
  }

  private StubResponse answer(RecordedRequest request) {
    StubResponse failure = failAll;
    if (failure != null) {
      return failure;
    }
    Function<RecordedRequest, StubResponse> route = routes.get(request.path());
    if (route != null) {
      return route.apply(request);
    }
    Deque<StubResponse> q = queues.get(request.path());
    if (q != null) {
      synchronized (q) {
        if (q.size() > 1) {
          return q.poll();
        }
        if (q.size() == 1) {
          return q.peek();
        }
      }
    }
    Function<RecordedRequest, StubResponse> any = fallback;
    if (any != null) {
      return any.apply(request);
    }
    return StubResponse.json(404, "{\"error\":{\"message\":\"no stub for " + request.method() + " "
        + request.path() + "\"}}");
  }

  /**
   * Closes the server after each test, so a test class can hold one as
   * {@code @RegisterExtension final StubServer stub = StubServer.start();} (a fresh server per
   * test, as JUnit makes a test instance per test).
   *
   * @param context the test's context
   */
  @Override
  public void afterEach(ExtensionContext context) {
    close();
  }

  /** Stops the server at once, ending delayed answers. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
