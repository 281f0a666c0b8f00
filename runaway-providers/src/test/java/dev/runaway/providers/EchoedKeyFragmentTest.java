package dev.runaway.providers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.Secret;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.PollException;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.providers.http.ApiClient;
import dev.runaway.providers.http.ApiRequest;
import dev.runaway.testing.Fixtures;
import dev.runaway.testing.LogCapture;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A service that refuses a key with a 401 quoting part of it (OpenAI: {@code sk-proj-****...Wq7e},
 * or the first eight and last four characters of a legacy key; fixtures/openai/README.md): the
 * fragments reach no exception, log line or alert, as the whole key does not.
 */
final class EchoedKeyFragmentTest {

  /** Ends with the four characters the project-key fixture echoes. */
  static final String PROJECT_KEY = "sk-proj-Hc2Rt9Lx4Bv7Nq1Zm6Kd3Fs8Jp0Gw5Ty2Ue9Io4Pa7Sl1Mx6Nc3Vb8Wq7e";
  /** Starts and ends with what the legacy fixture echoes ({@code sk-T4vQk}, {@code 9gRz}). */
  static final String LEGACY_KEY = "sk-T4vQkLm8Xc2Zp6Rt0Yw3Hb7Nd5Fj1Gs9Ke4Ua9gRz";

  @RegisterExtension
  final StubServer stub = StubServer.start();
  private int mark;

  @BeforeEach
  void setUp() {
    mark = LogCapture.mark();
  }

  static String everything(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w + " " + t;
  }

  private String logs() {
    return LogCapture.since(mark).stream().map(LogCapture.Event::fullText).collect(Collectors.joining("\n"));
  }

  private static void assertNoFragment(String where, String text, String... fragments) {
    for (String f : fragments) {
      assertThat(text).as("%s quotes %s", where, f).doesNotContain(f);
    }
  }

  @Test
  void apiClient_401QuotingTheLastFourOfAProjectKeyFailsWithoutThem() throws Exception {
    stub.failAll(StubResponse.json(401, Fixtures.read("openai/invalid-api-key-401.json")));
    Secret key = Secret.of("OPENAI_API_KEY", PROJECT_KEY);
    try (ApiClient client = ApiClient.builder().service("openai").baseUrl(stub.baseUrl()).credential(key)
        .header("Authorization", "Bearer " + key.reveal()).build()) {
      Throwable thrown = catchThrowable(() -> client.send(ApiRequest.get("/v1/models")));
      assertThat(thrown).isInstanceOf(PollException.class);
      assertThat(((PollException) thrown).kind()).isEqualTo(PollException.Kind.UNAUTHORIZED);
      // The message still says what happened, with the head and the mask, not the key's end.
      assertThat(thrown.getMessage()).contains("HTTP 401").contains("Incorrect API key provided: sk-proj-***")
          .contains("OPENAI_API_KEY");
      assertNoFragment("the exception", everything(thrown), "Wq7e", PROJECT_KEY);
    }
    assertNoFragment("the logs", logs(), "Wq7e", PROJECT_KEY);
  }

  @Test
  void monitor_401QuotingTheFirstEightAndLastFourOfALegacyKeyAlertsWithoutThem() {
    stub.failAll(StubResponse.json(401, Fixtures.read("openai/invalid-legacy-key-401.json")));
    String config = "{\"monitoring_interval\": 300, \"services\": {\"openai\": {\"type\": \"openai\","
        + " \"base_url\": \"" + stub.baseUrl() + "/v1\", \"endpoints\": [\"completions\"]}}}";
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    try (RunawayMonitor monitor = RunawayMonitor.builder()
        .config(MonitorConfig.parse(config))
        .secrets(SecretSource.of(Map.of("OPENAI_ADMIN_KEY", LEGACY_KEY)))
        .ticker(ManualTicker.startingAt(Instant.parse("2026-08-21T14:05:00Z")))
        .alertSink(alerts::add)
        .build()) {
      monitor.pollOnce();
      MonitorStatus status = monitor.status().get("openai");
      assertThat(status.health()).isEqualTo(MonitorStatus.Health.FAILING);
      assertThat(status.lastError()).contains("Incorrect API key provided: sk-***");
      assertNoFragment("the status", status.toString() + status.lastError(), "T4vQk", "9gRz", LEGACY_KEY);
    }
    assertThat(alerts).filteredOn(a -> a.type() == AlertType.SERVICE_STATUS).isNotEmpty();
    assertNoFragment("the alerts", alerts.toString(), "T4vQk", "9gRz", LEGACY_KEY);
    assertNoFragment("the logs", logs(), "T4vQk", "9gRz", LEGACY_KEY);
    assertThat(stub.requests()).isNotEmpty();
  }
}
