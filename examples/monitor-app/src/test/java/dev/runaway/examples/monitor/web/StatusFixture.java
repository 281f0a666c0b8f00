package dev.runaway.examples.monitor.web;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ServiceSnapshot;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import dev.runaway.monitor.Detector;
import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.RunawayMonitor;
import dev.runaway.monitor.UsageReport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A monitor of two scripted services polled over three simulated hours, a day of sampled history
 * with a spike at its end, one alert, and a status server on an ephemeral loopback port.
 */
final class StatusFixture implements AutoCloseable {

  static final Instant START = Instant.parse("2026-01-05T00:00:00Z");

  final ManualTicker ticker = ManualTicker.startingAt(START);
  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final AlertLog alerts = new AlertLog();
  final StatusHistory history = new StatusHistory();
  final RunawayMonitor monitor;
  final StatusServer server;

  private record Scripted(String service, String cost) implements Detector {
    @Override
    public UsageReport poll(PollContext ctx) {
      return new UsageReport(service, ctx.since(), ctx.now(), Cost.usd(cost), Map.of("requests", 2.0), List.of());
    }
  }

  StatusFixture(String token) throws IOException {
    monitor = RunawayMonitor.builder()
        .config(MonitorConfig.parse("{\"monitoring_interval\": 300, \"usage_spike_multiplier\": 3.0,"
            + " \"cost_thresholds\": {\"openai\": {\"hourly\": 10.0, \"daily\": 100.0},"
            + " \"github_actions\": {\"hourly\": 5.0, \"daily\": 50.0}}}"))
        .secrets(SecretSource.of(Map.of()))
        .detector(new Scripted("openai", "0.40"))
        .detector(new Scripted("github_actions", "0.05"))
        .ticker(ticker)
        .scheduler(scheduler)
        .executor(Runnable::run)
        .alertSink(a -> { })
        .notifier(alerts)
        .build();
    // A day of samples every 10 minutes: a steady, slightly wavy baseline, then a spike in the last hour.
    for (int i = 0; i < 144; i++) {
      Instant t = START.plus(Duration.ofMinutes(10L * i));
      ticker.setInstant(t);
      double base = 2.0 + 0.5 * Math.sin(i / 12.0);
      double rate = i >= 138 ? base * (4 + (i - 138)) : base * (0.8 + 0.1 * (i % 5));
      history.record(Map.of("openai", snapshot("openai", rate, base),
          "github_actions", snapshot("github_actions", 0.3 + 0.01 * (i % 7), 0.3)), t);
    }
    for (int i = 0; i < 3; i++) {
      monitor.pollOnce();
      ticker.advance(Duration.ofMinutes(5));
    }
    alerts.send(new dev.runaway.alert.Alert(dev.runaway.alert.AlertType.USAGE_SPIKE, dev.runaway.alert.Severity.WARNING,
        "openai", null, "Usage spike: openai at 4.1x its baseline", "detail", ticker.instant(), Map.of()));
    server = StatusServer.start(new InetSocketAddress("127.0.0.1", 0), token, monitor, history, alerts, 3.0, 5.0,
        ticker);
  }

  private ServiceSnapshot snapshot(String service, double rate, double base) {
    return new ServiceSnapshot(service, null, ticker.instant(), List.of(), rate, base, 1, 1, Cost.ZERO, Cost.ZERO,
        null, CircuitBreaker.State.CLOSED);
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.address().getPort() + path;
  }

  @Override
  public void close() {
    server.close();
    monitor.close();
    scheduler.shutdownNow();
  }
}
