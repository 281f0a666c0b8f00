package dev.runaway.examples.monitor.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.runaway.ServiceSnapshot;
import dev.runaway.Ticker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.micrometer.RunawayMonitorMetrics;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.StoppedService;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves the monitor over HTTP with the JDK's server: {@code /} the status page (per service the
 * burn rate against its baseline over the last 24 h as a chart, budget gauges, breaker state,
 * recent alerts and breaker actions), {@code /api/status} the same as JSON, {@code /metrics} in
 * Prometheus text format. The page's script and style are served from the jar; nothing is loaded
 * from elsewhere.
 *
 * <p>With a token, every request needs {@code Authorization: Bearer <token>}, or the
 * {@code runaway_token} cookie that {@code /?token=<token>} sets (for a browser). Tokens are
 * compared in constant time and never logged.
 *
 * <p>Thread-safe.
 */
public final class StatusServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COOKIE = "runaway_token";
  private static final String RESOURCES = "/dev/runaway/examples/monitor/web/";

  private final RunawayMonitor monitor;
  private final StatusHistory history;
  private final AlertLog alerts;
  private final Ticker ticker;
  private final double spikeMultiplier;
  private final double breakerMultiplier;
  private final byte[] token;
  private final PrometheusMeterRegistry registry;
  private final HttpServer server;
  private final ExecutorService executor;

  /**
   * Starts serving.
   *
   * @param address where to listen; loopback unless a token protects it
   * @param token the bearer token, or {@code null} for none
   * @param monitor the monitor
   * @param history the sampled burn rates
   * @param alerts the recent alerts
   * @param spikeMultiplier the config's spike multiplier, drawn as the threshold line
   * @param breakerMultiplier the config's breaker multiplier
   * @param ticker the clock
   * @return the running server
   * @throws IOException if the address cannot be bound
   */
  public static StatusServer start(InetSocketAddress address, String token, RunawayMonitor monitor,
      StatusHistory history, AlertLog alerts, double spikeMultiplier, double breakerMultiplier, Ticker ticker)
      throws IOException {
    return new StatusServer(address, token, monitor, history, alerts, spikeMultiplier, breakerMultiplier, ticker);
  }

  private StatusServer(InetSocketAddress address, String token, RunawayMonitor monitor, StatusHistory history,
      AlertLog alerts, double spikeMultiplier, double breakerMultiplier, Ticker ticker) throws IOException {
    this.monitor = Objects.requireNonNull(monitor, "monitor");
    this.history = Objects.requireNonNull(history, "history");
    this.alerts = Objects.requireNonNull(alerts, "alerts");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.spikeMultiplier = spikeMultiplier;
    this.breakerMultiplier = breakerMultiplier;
    if (token != null && token.isBlank()) {
      throw new IllegalArgumentException("token must not be blank when given");
    }
    this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RunawayMonitorMetrics.of(monitor).bindTo(registry);
    // Without TCP_NODELAY, small keep-alive responses wait ~40 ms for delayed ACKs. The JDK reads
    // this once, when the first server of the JVM starts, so every server in it shares the choice.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    this.server = HttpServer.create(address, 0);
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "runaway-monitor-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  /**
   * Returns the address the server listens on (with the real port when 0 was asked for).
   *
   * @return the address
   */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /**
   * Returns the status as the JSON {@code /api/status} serves, as a map.
   *
   * @return the status
   */
  public Map<String, Object> status() {
    Instant now = ticker.instant();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("time", now.toString());
    out.put("spikeMultiplier", spikeMultiplier);
    out.put("breakerMultiplier", breakerMultiplier);
    List<Map<String, Object>> services = new ArrayList<>();
    Map<String, StoppedService> stopped = monitor.stopped();
    for (MonitorStatus st : monitor.status().values()) {
      Map<String, Object> s = new LinkedHashMap<>();
      s.put("name", st.service());
      s.put("type", st.type());
      s.put("health", st.health().name());
      s.put("lastPoll", st.lastPoll() == null ? null : st.lastPoll().toString());
      s.put("lastError", st.lastError());
      boolean monitored = monitor.services().contains(st.service());
      s.put("snapshot", monitored ? monitor.snapshot(st.service()).toMap() : null);
      // An emergency stop in force, also one taken by an earlier run: the page showed none after a restart.
      StoppedService stop = stopped.get(st.service());
      if (stop == null) {
        s.put("emergencyStop", null);
      } else {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("since", stop.since().toString());
        e.put("reason", stop.reason());
        e.put("actions", stop.actions());
        e.put("failed", stop.failed());
        e.put("undo", "runaway-monitor resume " + st.service());
        s.put("emergencyStop", e);
      }
      List<Map<String, Object>> points = new ArrayList<>();
      for (StatusHistory.Sample p : history.of(st.service(), now)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("time", p.time().toString());
        m.put("costPerHour", usd(p.costPerHour()));
        m.put("baselineCostPerHour", usd(p.baselineCostPerHour()));
        m.put("spikeThreshold", usd(p.baselineCostPerHour() * spikeMultiplier));
        points.add(m);
      }
      s.put("history", points);
      services.add(s);
    }
    out.put("services", services);
    List<Map<String, Object>> recent = new ArrayList<>();
    for (Alert a : alerts.recent()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("time", a.time().toString());
      m.put("kind", a.type() == AlertType.CIRCUIT_BREAKER ? "action" : "alert");
      m.put("type", a.type().name());
      m.put("severity", a.severity().name());
      m.put("service", a.service());
      m.put("title", a.title());
      recent.add(m);
    }
    out.put("alerts", recent);
    return out;
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
        send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n");
        return;
      }
      if (token != null && !authorized(ex)) {
        String query = ex.getRequestURI().getQuery();
        if ("/".equals(path) && query != null && query.startsWith("token=")
            && same(query.substring("token=".length()).getBytes(StandardCharsets.UTF_8))) {
          ex.getResponseHeaders().add("Set-Cookie", COOKIE + "=" + new String(token, StandardCharsets.UTF_8)
              + "; Path=/; HttpOnly; SameSite=Strict");
          ex.getResponseHeaders().add("Location", "/");
          send(ex, 303, "text/plain; charset=utf-8", "");
          return;
        }
        ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"runaway-monitor\"");
        send(ex, 401, "text/plain; charset=utf-8", "a bearer token is required\n");
        return;
      }
      switch (path) {
        case "/":
          resource(ex, "index.html", "text/html; charset=utf-8");
          break;
        case "/app.js":
          resource(ex, "app.js", "text/javascript; charset=utf-8");
          break;
        case "/app.css":
          resource(ex, "app.css", "text/css; charset=utf-8");
          break;
        case "/favicon.ico":
          send(ex, 204, "image/x-icon", "");
          break;
        case "/api/status":
          send(ex, 200, "application/json", JSON.writeValueAsString(status()));
          break;
        case "/metrics":
          send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
          break;
        default:
          send(ex, 404, "text/plain; charset=utf-8", "not found\n");
      }
    } catch (RuntimeException e) {
      // Shown to the client without detail; the page must not leak internals.
      send(ex, 500, "text/plain; charset=utf-8", "internal error\n");
    }
  }

  /** Dollars as a decimal string rounded to the nano-dollar, like the snapshot JSON; null when unknown. */
  static String usd(double value) {
    if (!Double.isFinite(value)) {
      return null;
    }
    java.math.BigDecimal d = java.math.BigDecimal.valueOf(value).setScale(9, java.math.RoundingMode.HALF_UP);
    return d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString();
  }

  private boolean authorized(HttpExchange ex) {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.startsWith("Bearer ") && same(auth.substring(7).trim().getBytes(StandardCharsets.UTF_8))) {
      return true;
    }
    List<String> cookies = ex.getRequestHeaders().get("Cookie");
    if (cookies != null) {
      for (String header : cookies) {
        for (String c : header.split(";")) {
          String t = c.trim();
          if (t.startsWith(COOKIE + "=") && same(t.substring(COOKIE.length() + 1).getBytes(StandardCharsets.UTF_8))) {
            return true;
          }
        }
      }
    }
    return false;
  }

  private boolean same(byte[] given) {
    return MessageDigest.isEqual(token, given);
  }

  private void resource(HttpExchange ex, String name, String type) throws IOException {
    try (InputStream in = StatusServer.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        send(ex, 404, "text/plain; charset=utf-8", "not found\n");
        return;
      }
      send(ex, 200, type, in.readAllBytes());
    }
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    send(ex, status, type, body.getBytes(StandardCharsets.UTF_8));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'");
    boolean empty = body.length == 0 || "HEAD".equals(ex.getRequestMethod());
    ex.sendResponseHeaders(status, empty ? -1 : body.length);
    if (!empty) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops the server at once and releases its threads. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    registry.close();
  }

  @Override
  public String toString() {
    return "StatusServer[" + server.getAddress() + "]";
  }
}
