package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.Severity;
import dev.runaway.config.MonitorConfig;
import dev.runaway.config.SecretSource;
import java.io.IOException;
import dev.runaway.ledger.internal.PersistentLedger;
import dev.runaway.monitor.internal.KeptBudgetAlerts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted monitor reads the services' cumulative figures again; with a {@code state_dir} it
 * does not raise the 80% and 100% budget alerts again in the window they were raised in.
 */
final class MonitorBudgetAlertPersistenceTest {

  @TempDir
  Path dir;

  private final MonitorFixture fx = new MonitorFixture(Instant.parse("2026-01-05T10:00:00Z"));
  /** The day-to-date total the fake source reports, as OpenAI's or GitHub's daily buckets do. */
  private final AtomicReference<String> dayToDate = new AtomicReference<>("85.00");

  private String config() {
    return "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\") + "\","
        + " \"cost_thresholds\": {\"alpha\": {\"daily\": 100.0}}}";
  }

  private FakeDetector dailySource() {
    return new FakeDetector("alpha", ctx -> {
      Instant midnight = LocalDate.ofInstant(ctx.now(), ZoneOffset.UTC).atStartOfDay().toInstant(ZoneOffset.UTC);
      return new UsageReport("alpha", midnight, midnight.plusSeconds(86_400), Cost.usd(dayToDate.get()),
          Map.of("requests", 10.0), List.of());
    });
  }

  /** Starts a monitor on the state dir (a restart), polls once, closes it: the alerts it raised. */
  private List<Alert> runOnce(String dayToDateUsd) {
    dayToDate.set(dayToDateUsd);
    int before = fx.alerts(AlertType.COST_THRESHOLD).size();
    try (RunawayMonitor monitor = fx.builder(config()).detector(dailySource()).build()) {
      assertThat(monitor.pollOnce()).containsKey("alpha");
    }
    List<Alert> all = fx.alerts(AlertType.COST_THRESHOLD);
    return all.subList(before, all.size());
  }

  private void later(Duration d) {
    fx.ticker.advance(d);
  }

  /**
   * Starts a monitor on the state dir whose alerts go through the asynchronous dispatcher to
   * {@code notifiers} (not the fixture's synchronous sink), polls once, and stops it as a deploy
   * does: close delivers what it can within its bound and writes the state file a last time.
   */
  private void runOnceNotifying(String dayToDateUsd, Notifier... notifiers) {
    dayToDate.set(dayToDateUsd);
    RunawayMonitor.Builder b = RunawayMonitor.builder().config(MonitorConfig.parse(config()))
        .secrets(SecretSource.of(Map.of())).ticker(fx.ticker).scheduler(fx.scheduler).executor(Runnable::run)
        .detector(dailySource());
    for (Notifier n : notifiers) {
      b.notifier(n);
    }
    try (RunawayMonitor monitor = b.build()) {
      assertThat(monitor.pollOnce()).containsKey("alpha");
    }
  }

  /** Telegram down: every attempt fails, and is counted. */
  private static final class Down implements Notifier {
    final AtomicInteger attempts = new AtomicInteger();
    final Severity failing;

    Down(Severity failing) {
      this.failing = failing;
    }

    @Override
    public void send(Alert alert) throws IOException {
      if (alert.type() == AlertType.COST_THRESHOLD && alert.severity() == failing) {
        attempts.incrementAndGet();
        throw new IOException("connect timed out");
      }
    }
  }

  @Test
  void aStopBeforeThe80PercentAlertWasDelivered_raisesItAgainAfterTheRestart() {
    Down telegram = new Down(Severity.WARNING);
    // Raised, tried, waiting for its retry when the monitor stops; close's last attempt fails too.
    runOnceNotifying("85.00", telegram);
    assertThat(telegram.attempts.get()).as("raised and tried").isPositive();

    later(Duration.ofMinutes(10));
    // Before: the level was kept as soon as it was raised, and the restart was silent: the alert lost.
    assertThat(runOnce("85.00")).as("not delivered, so raised again").singleElement()
        .satisfies(a -> assertThat(a.title()).startsWith("80% of budget used"));

    later(Duration.ofMinutes(10));
    assertThat(runOnce("85.00")).as("delivered this time, so kept").isEmpty();
  }

  @Test
  void anAlertOneOfTwoNotifiersDelivered_isRaisedAgainAfterTheRestart() {
    List<Alert> chat = new CopyOnWriteArrayList<>();
    Down telegram = new Down(Severity.WARNING);
    runOnceNotifying("85.00", chat::add, telegram);
    assertThat(chat).extracting(Alert::type).containsExactly(AlertType.COST_THRESHOLD);

    later(Duration.ofMinutes(10));
    assertThat(runOnce("85.00")).as("every notifier it was sent to must have it").hasSize(1);
  }

  @Test
  void anAlertTheNotifiersDelivered_isNotRaisedAgainAfterTheRestart() {
    List<Alert> chat = new CopyOnWriteArrayList<>();
    List<Alert> pager = new CopyOnWriteArrayList<>();
    runOnceNotifying("85.00", chat::add, pager::add);
    assertThat(chat).extracting(Alert::title).singleElement().asString().startsWith("80% of budget used");
    assertThat(pager).hasSize(1);

    later(Duration.ofMinutes(10));
    runOnceNotifying("85.00", chat::add, pager::add);
    assertThat(chat).as("delivered, so kept: the restart is silent").hasSize(1);
  }

  @Test
  void aDelivered80PercentAlert_isKept_whenThe100PercentAlertIsNot() {
    Down telegram = new Down(Severity.CRITICAL);
    runOnceNotifying("85.00", telegram);
    later(Duration.ofMinutes(10));
    runOnceNotifying("100.00", telegram);
    assertThat(telegram.attempts.get()).as("the 100% alert was tried").isPositive();

    later(Duration.ofMinutes(10));
    assertThat(runOnce("100.00")).as("only the undelivered 100% alert again").singleElement()
        .satisfies(a -> assertThat(a.title()).startsWith("Budget exhausted"));
    later(Duration.ofMinutes(10));
    assertThat(runOnce("100.00")).isEmpty();
  }

  @Test
  void restartTheSameDay_doesNotRaiseThe80PercentAlertAgain_andThe100PercentAlertIsRaisedOnce() {
    assertThat(runOnce("85.00")).singleElement().satisfies(a -> {
      assertThat(a.severity()).isEqualTo(Severity.WARNING);
      assertThat(a.title()).startsWith("80% of budget used");
    });

    later(Duration.ofMinutes(10));
    // Before: every restart read today's $85 again and said "80% used" again.
    assertThat(runOnce("85.00")).as("a restart at the same 85% is silent").isEmpty();

    later(Duration.ofMinutes(10));
    assertThat(runOnce("100.00")).singleElement().satisfies(a -> {
      assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
      assertThat(a.title()).startsWith("Budget exhausted");
    });

    later(Duration.ofMinutes(10));
    assertThat(runOnce("100.00")).as("the 100% alert is not raised again either").isEmpty();
    assertThat(runOnce("101.00")).isEmpty();
  }

  @Test
  void restartTheNextDay_alerts80PercentAgain_once() {
    assertThat(runOnce("85.00")).hasSize(1);
    later(Duration.ofHours(2));
    assertThat(runOnce("90.00")).isEmpty();

    // The next day, more than a day after the alert (the daily budget slides over 24 hours).
    later(Duration.ofHours(23));
    assertThat(runOnce("85.00")).as("a new window alerts again").singleElement()
        .satisfies(a -> assertThat(a.title()).startsWith("80% of budget used"));
    later(Duration.ofMinutes(10));
    assertThat(runOnce("85.00")).as("and once only").isEmpty();
  }

  @Test
  void aBudgetThatReArmed_alertsAgainAfterARestart_withinItsWindow() {
    assertThat(runOnce("85.00")).hasSize(1); // 10:00
    later(Duration.ofMinutes(10));
    assertThat(runOnce("85.00")).isEmpty();

    // A new UTC day starts the source's figure afresh: 5% re-arms the budget, 14 hours after the alert.
    later(Duration.ofHours(14));
    assertThat(runOnce("5.00")).isEmpty();
    later(Duration.ofHours(2));
    assertThat(runOnce("85.00")).as("re-armed, so a new crossing").hasSize(1);
    later(Duration.ofMinutes(10));
    assertThat(runOnce("85.00")).isEmpty();
  }

  @Test
  void aChangedLimit_alertsAfresh() {
    assertThat(runOnce("85.00")).hasSize(1);
    later(Duration.ofMinutes(10));
    assertThat(runOnce("85.00")).isEmpty();
    String raised = "{\"monitoring_interval\": 300, \"state_dir\": \"" + dir.toString().replace("\\", "\\\\") + "\","
        + " \"cost_thresholds\": {\"alpha\": {\"daily\": 90.0}}}";
    dayToDate.set("85.00");
    try (RunawayMonitor monitor = fx.builder(raised).detector(dailySource()).build()) {
      monitor.pollOnce();
    }
    assertThat(fx.alerts(AlertType.COST_THRESHOLD)).hasSize(2).last()
        .satisfies(a -> assertThat(a.facts()).containsEntry("limit", "$90.00"));
  }

  @Test
  void aStateFileWithoutTheSection_loads_keepsItsBaseline_andKeepsAlertsFromThenOn() throws Exception {
    // An older release's file: baselines learned over 26 hours at 10% of the budget, no alert raised.
    try (RunawayMonitor monitor = fx.builder(config()).detector(FakeDetector.spending("alpha", "0.03")).build()) {
      for (int i = 0; i < 26 * 12; i++) {
        fx.ticker.advance(Duration.ofMinutes(5));
        monitor.pollOnce();
      }
      assertThat(monitor.snapshot("alpha").baselineReady()).isTrue();
    }
    Path file = dir.resolve(RunawayMonitor.MONITOR_STATE_SUBDIR).resolve(PersistentLedger.FILE_NAME);
    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).contains("baselines")
        .doesNotContain(KeptBudgetAlerts.SECTION);
    assertThat(fx.alerts(AlertType.COST_THRESHOLD)).isEmpty();

    later(Duration.ofMinutes(5));
    dayToDate.set("85.00");
    try (RunawayMonitor monitor = fx.builder(config()).detector(dailySource()).build()) {
      monitor.pollOnce();
      assertThat(monitor.snapshot("alpha").baselineReady()).as("the old file's baseline").isTrue();
    }
    assertThat(fx.alerts(AlertType.COST_THRESHOLD)).hasSize(1);
    assertThat(new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1)).contains(KeptBudgetAlerts.SECTION);

    later(Duration.ofMinutes(5));
    assertThat(runOnce("85.00")).isEmpty();
  }
}
