package dev.runaway.examples.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

final class StatusServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  private HttpResponse<String> get(String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void apiStatus_givesEachServiceWithSnapshotHistoryAndAlerts() throws Exception {
    try (StatusFixture f = new StatusFixture(null)) {
      HttpResponse<String> r = get(f.url("/api/status"));

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(r.body()).doesNotContain("NaN");
      JsonNode status = JSON.readTree(r.body());
      assertThat(status.get("services")).hasSize(2);
      JsonNode openai = status.get("services").get(0);
      assertThat(openai.get("name").asText()).isEqualTo("openai");
      assertThat(openai.get("health").asText()).isEqualTo("OK");
      assertThat(openai.get("snapshot").get("windows").get(0).get("spent").asText()).isEqualTo("1.2");
      assertThat(openai.get("snapshot").get("breakerState").asText()).isEqualTo("CLOSED");
      // 144 samples were taken every 10 min from 00:00; the polls moved the clock to 00:05 the next
      // day, so the first sample is now older than 24 h and dropped.
      assertThat(openai.get("history")).hasSize(143);
      JsonNode last = openai.get("history").get(142);
      double base = 2.0 + 0.5 * Math.sin(143 / 12.0);
      assertThat(last.get("baselineCostPerHour").asDouble()).isCloseTo(base, org.assertj.core.api.Assertions.within(1e-8));
      assertThat(last.get("costPerHour").asDouble()).isCloseTo(base * 9, org.assertj.core.api.Assertions.within(1e-7));
      assertThat(last.get("spikeThreshold").asDouble()).isCloseTo(base * 3, org.assertj.core.api.Assertions.within(1e-7));
      assertThat(status.get("alerts").get(0).get("type").asText()).isEqualTo("USAGE_SPIKE");
      assertThat(status.get("alerts").get(0).get("kind").asText()).isEqualTo("alert");
    }
  }

  /**
   * A service an earlier run emergency-stopped is shown as such, with its undo: after a restart
   * the page showed nothing of it (the monitor's breaker reads CLOSED until the next episode).
   */
  @Test
  void apiStatus_showsAnEmergencyStopTakenByAnEarlierRun_withItsUndo(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createDirectories(dir.resolve("monitor")).resolve("emergency-stops.json");
    java.nio.file.Files.writeString(file, "{\"version\": 1, \"services\": {\"vercel\": {\"since\":"
        + " \"2026-01-05T03:10:00Z\", \"reason\": \"hourly budget used up\", \"actions\": [{\"index\": 0,"
        + " \"type\": \"vercel_pause_project\", \"plan\": \"pause Vercel project prj_1\", \"manual_undo\":"
        + " \"unpause it in the dashboard\", \"ok\": true}]}}}");
    dev.runaway.ManualTicker ticker = dev.runaway.ManualTicker.startingAt(StatusFixture.START);
    try (dev.runaway.monitor.RunawayMonitor monitor = dev.runaway.monitor.RunawayMonitor.builder()
        .config(dev.runaway.config.MonitorConfig.parse("{\"monitoring_interval\": 300, \"state_dir\": \""
            + dir.toString().replace("\\", "\\\\") + "\", \"cost_thresholds\": {\"vercel\": {\"hourly\": 5.0}}}"))
        .secrets(dev.runaway.config.SecretSource.of(java.util.Map.of()))
        .detector(new dev.runaway.monitor.Detector() {
          @Override
          public String service() {
            return "vercel";
          }

          @Override
          public dev.runaway.monitor.UsageReport poll(dev.runaway.monitor.PollContext ctx) {
            return dev.runaway.monitor.UsageReport.empty("vercel", ctx.since(), ctx.now());
          }
        })
        .ticker(ticker).executor(Runnable::run).alertSink(a -> { }).build();
        StatusServer server = StatusServer.start(new java.net.InetSocketAddress("127.0.0.1", 0), null, monitor,
            new StatusHistory(), new AlertLog(), 3.0, 5.0, ticker)) {
      JsonNode status = JSON.readTree(get("http://127.0.0.1:" + server.address().getPort() + "/api/status").body());
      JsonNode stop = status.get("services").get(0).get("emergencyStop");
      assertThat(stop.get("since").asText()).isEqualTo("2026-01-05T03:10:00Z");
      assertThat(stop.get("actions").get(0).asText()).isEqualTo("pause Vercel project prj_1");
      assertThat(stop.get("undo").asText()).isEqualTo("runaway-monitor resume vercel");
    }
  }

  @Test
  void metrics_prometheusTextWithTheMonitorsFigures() throws Exception {
    try (StatusFixture f = new StatusFixture(null)) {
      HttpResponse<String> r = get(f.url("/metrics"));

      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
      assertThat(r.body())
          .contains("runaway_budget_spent_usd{budget=\"hourly\",name=\"openai\",source=\"monitor\"} 1.2")
          .contains("runaway_breaker_state{name=\"openai\",source=\"monitor\",state=\"closed\"} 1")
          .contains("runaway_monitor_polls_total{name=\"github_actions\",source=\"monitor\"} 3");
    }
  }

  @Test
  void page_andItsScriptComeFromTheJar() throws Exception {
    try (StatusFixture f = new StatusFixture(null)) {
      HttpResponse<String> page = get(f.url("/"));
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<script src=\"/app.js\"").doesNotContain("https://").doesNotContain("http://");
      assertThat(get(f.url("/app.js")).body()).contains("/api/status").doesNotContain("https://");
      assertThat(get(f.url("/app.css")).statusCode()).isEqualTo(200);
      assertThat(get(f.url("/nope")).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void token_requiredOnEveryPathAndAcceptedAsBearerOrCookie() throws Exception {
    try (StatusFixture f = new StatusFixture("s3cret-t0ken")) {
      for (String path : new String[] {"/", "/api/status", "/metrics", "/app.js"}) {
        HttpResponse<String> r = get(f.url(path));
        assertThat(r.statusCode()).as(path).isEqualTo(401);
        assertThat(r.body()).doesNotContain("s3cret");
      }
      assertThat(get(f.url("/api/status"), "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
      assertThat(get(f.url("/api/status"), "Authorization", "Bearer s3cret-t0ken").statusCode()).isEqualTo(200);

      HttpResponse<String> login = get(f.url("/?token=s3cret-t0ken"));
      assertThat(login.statusCode()).isEqualTo(303);
      String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict");
      assertThat(get(f.url("/api/status"), "Cookie", cookie.substring(0, cookie.indexOf(';'))).statusCode())
          .isEqualTo(200);
      assertThat(get(f.url("/?token=wrong")).statusCode()).isEqualTo(401);
    }
  }
}
