package dev.runaway.providers.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.config.ConfigException;
import dev.runaway.config.SecretSource;
import dev.runaway.config.ServiceSettings;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.event.Level;

/** The rest block is spelt in snake_case like every other setting; the old camelCase keys still work with a WARN. */
final class RestKeySpellingTest {

  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  private static final Duration INTERVAL = Duration.ofMinutes(5);
  @RegisterExtension
  final StubServer stub = StubServer.start();

  private Cost pollOnce(Map<String, Object> settings) throws Exception {
    try (Detector d = new RestDetectorProvider().create(ServiceSettings.of("vendor", "rest", settings),
        SecretSource.of(Map.of("VENDOR_KEY", "k-1")))) {
      return d.poll(PollContext.of(NOW.minus(INTERVAL), NOW, INTERVAL, ManualTicker.startingAt(NOW), true)).cost();
    }
  }

  private Map<String, Object> config(String timeout, String auth, String records, String value, String perUnit,
      String limit, String remaining) {
    return Map.of(
        "request", Map.of("url", stub.baseUrl() + "/usage", timeout, 5, "auth", Map.of("type", "bearer", auth,
            "VENDOR_KEY")),
        "response", Map.of(records, "/data"),
        "metrics", List.of(Map.of("name", "requests", value, "/n", perUnit, 0.5)),
        limit, Map.of(remaining, "X-Left"));
  }

  /**
   * Polls once with the config spelt with these keys against a usage API reporting 4 requests at
   * $0.50 each, checks the $2 it costs, and returns what was logged meanwhile.
   */
  private List<LogCapture.Event> pollPricingFourRequests(String timeout, String auth, String records, String value,
      String perUnit, String limit, String remaining) throws Exception {
    stub.route("/usage", r -> StubResponse.ok("{\"data\":[{\"n\":4}]}"));
    int mark = LogCapture.mark();
    assertThat(pollOnce(config(timeout, auth, records, value, perUnit, limit, remaining))).isEqualTo(Cost.usd("2"));
    return LogCapture.since(mark);
  }

  @Test
  void snakeCaseKeys_areReadWithoutAWarning() throws Exception {
    List<LogCapture.Event> logged = pollPricingFourRequests("timeout_seconds", "token_env", "records_pointer",
        "value_pointer", "cost_per_unit", "rate_limit", "remaining_header");

    assertThat(stub.requests().get(0).header("Authorization")).contains("Bearer k-1");
    assertThat(logged).noneMatch(e -> e.level() == Level.WARN && e.message().contains("deprecated"));
  }

  @Test
  void camelCaseKeys_stillWork_withOneDeprecationWarningEach() throws Exception {
    List<LogCapture.Event> logged = pollPricingFourRequests("timeoutSeconds", "tokenEnv", "recordsPointer",
        "valuePointer", "costPerUnit", "rateLimit", "remainingHeader");

    assertThat(logged).filteredOn(e -> e.level() == Level.WARN)
        .extracting(LogCapture.Event::message)
        .anySatisfy(m -> assertThat(m).contains("services.vendor.request.timeoutSeconds", "\"timeout_seconds\""))
        .anySatisfy(m -> assertThat(m).contains("services.vendor.request.auth.tokenEnv", "\"token_env\""))
        .anySatisfy(m -> assertThat(m).contains("services.vendor.metrics[0].costPerUnit", "\"cost_per_unit\""))
        .anySatisfy(m -> assertThat(m).contains("services.vendor.rateLimit", "\"rate_limit\""));
  }

  @Test
  void bothSpellingsOfOneKey_areRejected() {
    Map<String, Object> settings = Map.of("request", Map.of("url", stub.baseUrl() + "/usage", "timeoutSeconds", 5,
        "timeout_seconds", 6), "metrics", List.of(Map.of("name", "n", "value_pointer", "/n")));

    assertThatThrownBy(() -> pollOnce(settings)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("services.vendor.request.timeoutSeconds")
        .hasMessageContaining("keep only \"timeout_seconds\"");
  }
}
