package dev.runaway.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ServiceSnapshot;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.UsageReport;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

final class RunawayMonitorMetricsTest {

  private static final class Spending implements Detector {
    @Override
    public String service() {
      return "openai";
    }

    @Override
    public UsageReport poll(PollContext ctx) {
      return new UsageReport("openai", ctx.since(), ctx.now(), Cost.usd("0.75"),
          Map.of("requests", 3.0, "tokens.input", 1200.0, "tokens.output", 300.0), List.of());
    }
  }

  @Test
  void readings_equalTheMonitorsSnapshotAndStatus() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-01-05T10:00:00Z"));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (RunawayMonitor monitor = RunawayMonitor.builder()
        .config(MonitorConfig.parse("{\"monitoring_interval\": 300,"
            + " \"cost_thresholds\": {\"openai\": {\"hourly\": 10.0, \"daily\": 100.0}}}"))
        .secrets(SecretSource.of(Map.of()))
        .detector(new Spending())
        .ticker(ticker)
        .scheduler(scheduler)
        .executor(Runnable::run)
        .alertSink(a -> { })
        .build()) {
      RunawayMonitorMetrics.of(monitor).bindTo(registry);
      GenAiTokenMetrics tokens = GenAiTokenMetrics.of(registry);
      tokens.recordReports(monitor.pollOnce());
      ticker.advance(Duration.ofMinutes(5));
      tokens.recordReports(monitor.pollOnce());

      ServiceSnapshot s = monitor.snapshot("openai");
      assertThat(s.windows().get(0).spent()).isEqualTo(Cost.usd("1.50"));
      // The gauges must survive a collection: Micrometer holds a gauge's object weakly by default.
      collectGarbage();
      assertThat(registry.get("runaway.budget.spent").tag("name", "openai").tag("source", "monitor")
          .tag("budget", "hourly").gauge().value()).isEqualTo(1.5);
      assertThat(registry.get("runaway.budget.remaining").tag("name", "openai").tag("budget", "daily")
          .gauge().value()).isEqualTo(98.5);
      assertThat(registry.get("runaway.burn.rate").tag("name", "openai").gauge().value()).isEqualTo(s.costPerHour());
      assertThat(registry.get("runaway.breaker.state").tag("name", "openai").tag("state", "closed").gauge().value())
          .isEqualTo(1);
      assertThat(registry.get("runaway.monitor.polls").tag("name", "openai").functionCounter().count())
          .isEqualTo(monitor.status().get("openai").polls()).isEqualTo(2);
      assertThat(registry.get("runaway.monitor.poll.failures").tag("name", "openai").functionCounter().count())
          .isZero();
      DistributionSummary input = registry.get(GenAiTokenMetrics.TOKEN_USAGE).tag("gen_ai.token.type", "input")
          .summary();
      assertThat(input.count()).isEqualTo(2);
      assertThat(input.totalAmount()).isEqualTo(2400);
      assertThat(registry.get(GenAiTokenMetrics.TOKEN_USAGE).tag("gen_ai.token.type", "output").summary()
          .totalAmount()).isEqualTo(600);
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void tokens_recordedPerRequestWithTheSameTagKeysWithOrWithoutModel() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GenAiTokenMetrics tokens = GenAiTokenMetrics.of(registry);
    tokens.record("openai", "openai", "gpt-4o-mini", 100, 20);
    tokens.record("openai", "openai", null, 50, 5);

    assertThat(registry.get(GenAiTokenMetrics.TOKEN_USAGE).tag("gen_ai.request.model", "gpt-4o-mini")
        .tag("gen_ai.token.type", "input").summary().totalAmount()).isEqualTo(100);
    assertThat(registry.get(GenAiTokenMetrics.TOKEN_USAGE).tag("gen_ai.request.model", "unknown")
        .tag("gen_ai.token.type", "output").summary().totalAmount()).isEqualTo(5);
    // OpenTelemetry's unit; it also keeps the Prometheus name apart from Spring AI's counter (GenAiTokenMetricsPrometheusTest).
    assertThat(registry.get(GenAiTokenMetrics.TOKEN_USAGE).summary().getId().getBaseUnit()).isEqualTo("{token}");
  }

  @Test
  void tokens_carryTheSourceTagOfEveryRunawayMeterGuardForRecordMonitorForReports() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    GenAiTokenMetrics tokens = GenAiTokenMetrics.of(registry);
    tokens.record("openai", "openai", "gpt-4o-mini", 100, 20);
    tokens.recordReports(Map.of("openai", new UsageReport("openai", Instant.parse("2026-01-05T10:00:00Z"),
        Instant.parse("2026-01-05T10:05:00Z"), Cost.usd("0.75"),
        Map.of("tokens.input", 1000.0, "tokens.output", 300.0), List.of())));

    assertThat(registry.get(GenAiTokenMetrics.TOKEN_USAGE).tag("source", "guard").tag("gen_ai.token.type", "input")
        .summary().totalAmount()).isEqualTo(100);
    assertThat(registry.get(GenAiTokenMetrics.TOKEN_USAGE).tag("source", "monitor")
        .tag("gen_ai.token.type", "input").summary().totalAmount()).isEqualTo(1000);
    // One tag key set for the name, as Prometheus requires, and the same name/source keys as runaway.*.
    assertThat(registry.find(GenAiTokenMetrics.TOKEN_USAGE).summaries()).hasSize(4)
        .allSatisfy(m -> assertThat(m.getId().getTags()).extracting(io.micrometer.core.instrument.Tag::getKey)
            .containsExactlyInAnyOrder("name", "source", "gen_ai.provider.name", "gen_ai.request.model",
                "gen_ai.token.type"));
  }

  /** Runs the collector until a weakly held object is gone (bounded), as a scrape after a GC sees it. */
  static void collectGarbage() {
    java.lang.ref.WeakReference<Object> canary = new java.lang.ref.WeakReference<>(new Object());
    for (int i = 0; i < 100 && canary.get() != null; i++) {
      System.gc();
    }
    assertThat(canary.get()).as("a collection ran").isNull();
  }
}
