package dev.runaway.monitor;

import dev.runaway.testing.ManualScheduler;
import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** A monitor's test surroundings: a manual ticker and scheduler, captured alerts. */
final class MonitorFixture {

  static final Duration INTERVAL = Duration.ofMinutes(5);

  final ManualTicker ticker;
  final ManualScheduler scheduler;
  final List<Alert> alerts = new CopyOnWriteArrayList<>();

  MonitorFixture() {
    this(Instant.parse("2026-01-05T10:00:00Z"));
  }

  MonitorFixture(Instant start) {
    ticker = ManualTicker.startingAt(start);
    scheduler = new ManualScheduler(ticker);
  }

  /** A builder with the manual ticker and scheduler, polls on the round's thread, alerts captured. */
  RunawayMonitor.Builder builder(String json) {
    return RunawayMonitor.builder()
        .config(MonitorConfig.parse(json))
        .secrets(SecretSource.of(Map.of()))
        .ticker(ticker)
        .scheduler(scheduler)
        .executor(Runnable::run)
        .alertSink(alerts::add);
  }

  List<Alert> alerts(AlertType type) {
    return alerts.stream().filter(a -> a.type() == type).collect(Collectors.toList());
  }

  List<Alert> alerts(AlertType type, String service) {
    return alerts.stream().filter(a -> a.type() == type && a.service().equals(service)).collect(Collectors.toList());
  }

  /** Moves time by one interval, running what the scheduler has due. */
  void nextInterval() {
    scheduler.advance(INTERVAL);
  }
}
