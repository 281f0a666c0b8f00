package dev.runaway.providers.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.UsageReport;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 3: every response body is capped. The loopback server streams its huge bodies
 * chunk by chunk from one small buffer (nothing of their size is allocated in this JVM) and
 * counts what it managed to write before the client hung up.
 */
final class BodyCapTest {

  /** What the server would send at most; the client must stop long before. */
  private static final long SERVER_LIMIT = 64L * 1024 * 1024;
  private static final int CAP = 1024 * 1024;

  private HttpServer server;
  private ExecutorService executor;
  private final AtomicLong written = new AtomicLong();
  private URI base;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    executor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "body-cap-server");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    // A JSON array that never ends within SERVER_LIMIT, sent chunked (no Content-Length).
    server.createContext("/endless", ex -> {
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, 0);
      stream(ex.getResponseBody(), SERVER_LIMIT);
    });
    // The same size, declared up front.
    server.createContext("/declared", ex -> {
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, SERVER_LIMIT);
      stream(ex.getResponseBody(), SERVER_LIMIT);
    });
    server.createContext("/lines", ex -> {
      String q = ex.getRequestURI().getQuery();
      byte[] body = ("{\"n\": 1}\n\n{\"n\": 2}\r\n" + (q != null && q.contains("bad") ? "{\"n\": ]}\n" : "{\"n\": 3}\n"))
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/jsonl");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.createContext("/small", ex -> {
      byte[] body = "{\"count\": 3}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void stream(OutputStream out, long limit) {
    byte[] chunk = new byte[64 * 1024];
    Arrays.fill(chunk, (byte) '0');
    for (int i = 1; i < chunk.length; i += 2) {
      chunk[i] = ',';
    }
    try (out) {
      out.write('[');
      for (long sent = 1; sent < limit; sent += chunk.length) {
        out.write(chunk);
        written.addAndGet(chunk.length);
      }
    } catch (IOException clientHungUp) {
      // expected once the client stops reading
    }
  }

  @AfterEach
  void stop() {
    server.stop(0);
    executor.shutdownNow();
  }

  private ApiClient client() {
    return ApiClient.builder().service("vendor").baseUrl(base).maxBodyBytes(CAP)
        .requestTimeout(Duration.ofSeconds(20)).build();
  }

  @Test
  void send_chunkedBodyOverTheCapFailsAsBadResponseWithoutReadingTheRest() {
    try (ApiClient client = client()) {
      long start = System.nanoTime();
      Throwable thrown = catchThrowable(() -> client.send(ApiRequest.get("/endless")));
      assertThat(thrown).isInstanceOf(PollException.class).hasMessageContaining("max_body_bytes")
          .hasMessageContaining(Integer.toString(CAP));
      assertThat(((PollException) thrown).kind()).isEqualTo(PollException.Kind.BAD_RESPONSE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
    assertThat(written.get()).isLessThan(SERVER_LIMIT / 2);
  }

  @Test
  void send_declaredContentLengthOverTheCapIsRefusedBeforeReading() {
    try (ApiClient client = client()) {
      Throwable thrown = catchThrowable(() -> client.send(ApiRequest.get("/declared")));
      assertThat(thrown).isInstanceOf(PollException.class).hasMessageContaining("declares a body of "
          + SERVER_LIMIT);
    }
    assertThat(written.get()).isLessThan(SERVER_LIMIT / 2);
  }

  @Test
  void send_bodyWithinTheCapIsRead() throws Exception {
    try (ApiClient client = client()) {
      assertThat(client.getJson(ApiRequest.get("/small")).path("count").asInt()).isEqualTo(3);
    }
  }

  @Test
  void builder_maxBodyBytesOutOfRangeIsRefused() {
    assertThat(catchThrowable(() -> ApiClient.builder().maxBodyBytes(10))).hasMessageContaining("maxBodyBytes");
  }

  @Test
  void monitor_oneHugeResponseFailsOnlyItsServiceAndTheOthersReport() {
    String config = "{\"monitoring_interval\": 300, \"services\": {"
        + "\"huge\": {\"type\": \"rest\", \"max_body_bytes\": " + CAP + ", \"request\": {\"url\": \"" + base
        + "/endless\"}, \"metrics\": [{\"name\": \"requests\", \"valuePointer\": \"/0\"}]},"
        + "\"small\": {\"type\": \"rest\", \"request\": {\"url\": \"" + base + "/small\"}, \"metrics\":"
        + " [{\"name\": \"requests\", \"valuePointer\": \"/count\", \"costPerUnit\": 0.01}]}}}";
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    try (RunawayMonitor monitor = RunawayMonitor.builder()
        .config(MonitorConfig.parse(config))
        .secrets(SecretSource.of(Map.of()))
        .ticker(ManualTicker.startingAt(Instant.parse("2026-08-21T14:05:00Z")))
        .alertSink(alerts::add)
        .build()) {
      Map<String, UsageReport> reports = monitor.pollOnce();
      assertThat(reports).containsOnlyKeys("small");
      assertThat(reports.get("small").unit("requests")).isEqualTo(3);
      MonitorStatus huge = monitor.status().get("huge");
      assertThat(huge.health()).isEqualTo(MonitorStatus.Health.FAILING);
      assertThat(huge.lastError()).contains("too large").contains("max_body_bytes");
    }
    assertThat(alerts).filteredOn(a -> a.type() == AlertType.SERVICE_STATUS && a.service().equals("huge"))
        .hasSize(1);
    assertThat(written.get()).isLessThan(SERVER_LIMIT / 2);
  }

  @Test
  void jsonLines_areReadOneAfterAnotherFromTheBytesSkippingBlankLines() throws Exception {
    try (ApiClient client = client()) {
      assertThat(client.send(ApiRequest.get("/lines")).jsonLines()).extracting(n -> n.path("n").asInt())
          .containsExactly(1, 2, 3);
      ApiResponse bad = client.send(ApiRequest.get("/lines").withQuery("x", "bad"));
      Throwable thrown = catchThrowable(bad::jsonLines);
      assertThat(thrown).isInstanceOf(PollException.class).hasMessageContaining("line 4 is not valid JSON");
    }
  }
}
