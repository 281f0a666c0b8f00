package dev.runaway.providers.openai;

import static dev.runaway.providers.openai.OpenAiDetectorContractTest.COSTS;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.DAY_2026_08_21;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.EMPTY;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.USAGE;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.bucket;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.completions;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.costs;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.hourBucket;
import static dev.runaway.providers.openai.OpenAiDetectorContractTest.page;
import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ServiceSnapshot;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A (re)started standalone monitor against a loopback OpenAI: what its first poll charges to the
 * hourly and daily budgets. The first report covers the UTC day from midnight; the daily budget
 * gets all of it, the hourly one the day's average hour (the monitor spreads a report that covers
 * more than a window evenly over its span), and later polls charge both in full.
 */
final class OpenAiRestartMonitorTest {

  /** 14:05Z: the first poll's report spans 14 h 05 min = 50,700 s from midnight. */
  private static final Instant NOW = Instant.parse("2026-08-21T14:05:00Z");
  private static final long SPAN_SECONDS = 50_700;

  @RegisterExtension
  final StubServer stub = StubServer.start();
  private final ManualTicker ticker = ManualTicker.startingAt(NOW);
  private final Map<String, String> minutes = new ConcurrentHashMap<>();

  private RunawayMonitor monitor() {
    String config = "{\"monitoring_interval\": 300,\n"
        + " \"cost_thresholds\": {\"openai\": {\"hourly\": 10.0, \"daily\": 100.0}},\n"
        + " \"services\": {\"openai\": {\"type\": \"openai\", \"endpoints\": [\"completions\"], \"base_url\": \""
        + stub.baseUrl() + "/v1\"}}}";
    return RunawayMonitor.builder()
        .config(MonitorConfig.parse(config))
        .secrets(SecretSource.of(Map.of("OPENAI_ADMIN_KEY", "sk-admin-test-0000")))
        .ticker(ticker)
        .executor(Runnable::run)
        .alertSink(a -> { })
        .build();
  }

  private static Cost spent(ServiceSnapshot s, Duration window) {
    return s.windows().stream().filter(w -> w.budget().window().equals(window)).findFirst().orElseThrow().spent();
  }

  @Test
  void restart_chargesTheDayToTheDailyBudget_andItsAverageHourToTheHourlyOne() {
    // 09:00-10:00: $4.00 of gpt-4.1 (2,000,000 input tokens); 14:01: $1.00; billed today $40.96.
    String hours = page(false, null, hourBucket(DAY_2026_08_21 + 9 * 3600,
        completions("gpt-4.1", 2_000_000, 0, 0, 0, 20, null)));
    minutes.put("m", page(false, null, bucket(NOW.getEpochSecond() - 240,
        completions("gpt-4.1", 500_000, 0, 0, 0, 5, null))));
    stub.route(USAGE + "completions", r -> StubResponse.ok(r.param("bucket_width").orElse("").equals("1h") ? hours
        : minutes.get("m")));
    stub.route(COSTS, r -> StubResponse.ok(costs(41.5, 40.96)));
    try (RunawayMonitor monitor = monitor()) {
      monitor.pollOnce();
      ServiceSnapshot s = monitor.snapshot("openai");
      assertThat(spent(s, Duration.ofDays(1))).as("the day's bill").isEqualTo(Cost.usd("40.96"));
      // $40.96 over 14 h 05 min: $2.908402366 in the hour, not the whole day and not $0.
      assertThat(spent(s, Duration.ofHours(1)).nanos()).isEqualTo(40_960_000_000L * 3600 / SPAN_SECONDS);

      // Five minutes later, $2.00 more at 14:08: counted in full in both windows.
      ticker.advance(Duration.ofMinutes(5));
      minutes.put("m", page(false, null, bucket(NOW.getEpochSecond() + 180,
          completions("gpt-4.1", 1_000_000, 0, 0, 0, 5, null))));
      monitor.pollOnce();
      s = monitor.snapshot("openai");
      assertThat(spent(s, Duration.ofDays(1))).isEqualTo(Cost.usd("42.96"));
      assertThat(spent(s, Duration.ofHours(1)).nanos()).isEqualTo(40_960_000_000L * 3600 / SPAN_SECONDS
          + 2_000_000_000L);
    }
  }

  @Test
  void restartWithNothingBilledToday_chargesNothing() {
    stub.route(USAGE + "completions", r -> StubResponse.ok(EMPTY));
    stub.route(COSTS, r -> StubResponse.ok(costs(41.5, 0)));
    try (RunawayMonitor monitor = monitor()) {
      monitor.pollOnce();
      ServiceSnapshot s = monitor.snapshot("openai");
      assertThat(spent(s, Duration.ofDays(1))).as("yesterday's bill is not today's").isEqualTo(Cost.ZERO);
      assertThat(spent(s, Duration.ofHours(1))).isEqualTo(Cost.ZERO);
    }
  }
}
