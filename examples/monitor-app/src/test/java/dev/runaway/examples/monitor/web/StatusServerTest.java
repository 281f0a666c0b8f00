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
