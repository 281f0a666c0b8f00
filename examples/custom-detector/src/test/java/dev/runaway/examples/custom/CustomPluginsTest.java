package dev.runaway.examples.custom;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.NotifierProvider;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.DetectorProvider;
import dev.runaway.monitor.MonitorStatus;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.UsageReport;
import dev.runaway.testing.LogCapture;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The monitor polls a detector and alerts through a notifier that it only knows from their
 * {@code META-INF/services} lines and a config naming their types.
 */
final class CustomPluginsTest {

  private static final String TOKEN = "farm-token-SENTINEL-4711";
  private static final Instant NOW = Instant.parse("2026-11-23T10:00:00Z");

  @RegisterExtension
  final StubServer farm = StubServer.start();
  @RegisterExtension
  final StubServer hooks = StubServer.start();
  private final AtomicInteger farmStatus = new AtomicInteger(200);
  private final List<String> farmRequests = new CopyOnWriteArrayList<>();
  private final BlockingQueue<String> webhookBodies = new LinkedBlockingQueue<>();

  @BeforeEach
  void scriptServers() {
    farm.route("/v1/usage", r -> {
      farmRequests.add(r.rawQuery() + " | " + r.header("Authorization").orElse(null));
      int status = farmStatus.get();
      return StubResponse.json(status, status == 200
          ? "{\"jobs\": 40, \"gpu_seconds\": 14400, \"queues\": [{\"name\": \"cuda\", \"jobs\": 30,"
              + " \"gpu_seconds\": 10800}, {\"name\": \"cpu\", \"jobs\": 10, \"gpu_seconds\": 3600}]}"
          : "{\"error\": \"unauthorized\"}");
    });
    hooks.route("/hook", r -> {
      webhookBodies.add(r.body());
      return StubResponse.json(200, "ok");
    });
  }

  @Test
  void serviceLoader_findsTheDetectorAndTheNotifierProvider() {
    assertThat(ServiceLoader.load(DetectorProvider.class).stream().map(p -> p.get().type()))
        .contains("render_farm");
    assertThat(ServiceLoader.load(NotifierProvider.class).stream().map(p -> p.get().type()))
        .contains("webhook");
  }

  @Test
  void monitor_pollsTheDetectorNamedInTheConfig_andTheWebhookReceivesTheAlert() throws Exception {
    MonitorConfig config = MonitorConfig.parse("{\n"
        + "  \"monitoring_interval\": 60,\n"
        + "  \"cost_thresholds\": {\"render\": {\"hourly\": 8.0}},\n"
        + "  \"services\": {\"render\": {\"type\": \"render_farm\", \"base_url\": \"" + farmUrl() + "\","
        + " \"price_per_gpu_hour\": 2.5}},\n"
        + "  \"notifications\": {\"webhook\": {}}\n"
        + "}");
    SecretSource secrets = SecretSource.of(Map.of("RENDER_FARM_TOKEN", TOKEN,
        "ALERT_WEBHOOK_URL", hooks.baseUrl() + "/hook"));
    ManualTicker ticker = ManualTicker.startingAt(NOW);

    try (RunawayMonitor monitor = RunawayMonitor.builder().config(config).secrets(secrets).ticker(ticker).build()) {
      Map<String, UsageReport> reports = monitor.pollOnce();

      UsageReport r = reports.get("render");
      assertThat(r).isNotNull();
      assertThat(r.cost()).isEqualTo(Cost.usd("10.00")); // 4 GPU hours at $2.50
      assertThat(r.unit("requests")).isEqualTo(40.0);
      assertThat(r.items()).extracting(i -> i.name() + "=" + i.cost()).containsExactly("cuda=$7.50", "cpu=$2.50");
      assertThat(farmRequests).containsExactly("from=" + NOW.minusSeconds(60).getEpochSecond() + "&to="
          + NOW.getEpochSecond() + " | Bearer " + TOKEN);
      assertThat(monitor.status().get("render").health()).isEqualTo(MonitorStatus.Health.OK);

      String body = webhookBodies.poll(10, TimeUnit.SECONDS);
      assertThat(body).as("an alert posted to the webhook").isNotNull();
      List<String> all = new java.util.ArrayList<>(List.of(body));
      webhookBodies.drainTo(all);
      assertThat(String.join("\n", all)).contains("\"type\":\"COST_THRESHOLD\"").contains("\"service\":\"render\"");
    }
  }

  @Test
  void missingToken_isReportedByNameAndTheServiceSkipped() {
    MonitorConfig config = MonitorConfig.parse("{\"services\": {\"render\": {\"type\": \"render_farm\","
        + " \"base_url\": \"" + farmUrl() + "\"}}}");
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(config).secrets(SecretSource.of(Map.of()))
        .alertSink(a -> { }).ticker(ManualTicker.startingAt(NOW)).build()) {
      MonitorStatus s = monitor.status().get("render");
      assertThat(s.health()).isEqualTo(MonitorStatus.Health.SKIPPED);
      assertThat(s.lastError()).contains("RENDER_FARM_TOKEN");
      assertThat(monitor.pollOnce()).isEmpty();
      assertThat(farmRequests).isEmpty();
    }
  }

  @Test
  void refusedToken_becomesOneServiceStatusAlertNamingTheVariable_neverTheToken() {
    farmStatus.set(401);
    MonitorConfig config = MonitorConfig.parse("{\"services\": {\"render\": {\"type\": \"render_farm\","
        + " \"base_url\": \"" + farmUrl() + "\"}}}");
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    int mark = LogCapture.mark();
    ManualTicker ticker = ManualTicker.startingAt(NOW);
    try (RunawayMonitor monitor = RunawayMonitor.builder().config(config)
        .secrets(SecretSource.of(Map.of("RENDER_FARM_TOKEN", TOKEN))).alertSink(alerts::add).ticker(ticker)
        .minPollSpacing(java.time.Duration.ZERO).build()) {
      assertThat(monitor.pollOnce()).isEmpty();
      ticker.advance(java.time.Duration.ofMinutes(1));
      assertThat(monitor.pollOnce()).isEmpty();

      MonitorStatus s = monitor.status().get("render");
      assertThat(s.health()).isEqualTo(MonitorStatus.Health.FAILING);
      assertThat(s.lastError()).contains("RENDER_FARM_TOKEN").doesNotContain(TOKEN);
    }
    List<Alert> status = alerts.stream().filter(a -> a.type() == AlertType.SERVICE_STATUS).collect(Collectors.toList());
    assertThat(status).hasSize(1);
    assertThat(status.get(0).title() + status.get(0).detail() + status.get(0).facts()).doesNotContain(TOKEN);
    assertThat(LogCapture.since(mark).stream().map(LogCapture.Event::fullText)).noneMatch(t -> t.contains(TOKEN));
  }

  private String farmUrl() {
    return farm.baseUrl().toString();
  }
}
