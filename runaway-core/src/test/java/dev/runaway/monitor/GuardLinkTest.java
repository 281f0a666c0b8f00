package dev.runaway.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The monitor's account-wide view trips the guard's breaker, so the application's calls fail fast. */
final class GuardLinkTest {

  private final MonitorFixture fx = new MonitorFixture();
  private final List<Alert> guardAlerts = new CopyOnWriteArrayList<>();
  private final RunawayGuard guard = RunawayGuard.builder()
      .service("openai", s -> s.budget(Budget.hourly(Cost.usd("1000"))))
      .ticker(fx.ticker)
      .alertSink(guardAlerts::add)
      .build();

  @AfterEach
  void closeGuard() {
    guard.close();
  }

  private static String config(boolean breakerEnabled) {
    return "{\"monitoring_interval\": 300,"
        + " \"cost_thresholds\": {\"openai\": {\"hourly\": 10.0, \"daily\": 100.0}, \"github_actions\": {\"hourly\": 1.0}},"
        + " \"circuit_breaker\": {\"enabled\": " + breakerEnabled + ", \"threshold_multiplier\": 5.0}}";
  }

  @Test
  void exhaustedAccountWideBudget_tripsTheGuardsBreakerAndGuardedCallsFailFast() {
    FakeDetector openai = FakeDetector.spending("openai", "4.50"); // another process spends; the guard sees none
    try (RunawayMonitor monitor = fx.builder(config(true)).guard(guard).detector(openai)
        .detector(FakeDetector.spending("github_actions", "0.10")).build()) {
      monitor.pollOnce(); // $4.50 of the $10 hour
      assertThat(fx.alerts(AlertType.COST_THRESHOLD, "openai")).isEmpty();
      fx.nextInterval();
      monitor.pollOnce(); // $9.00: 80%
      List<Alert> at80 = fx.alerts(AlertType.COST_THRESHOLD, "openai");
      assertThat(at80).singleElement().satisfies(a -> {
        assertThat(a.severity()).isEqualTo(Severity.WARNING);
        assertThat(a.title()).startsWith("80% of budget used");
        assertThat(a.facts()).containsEntry("percent", "90").containsEntry("scope", "account-wide");
      });
      assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(guard.call("openai", Cost.usd("0.01"), () -> "allowed")).isEqualTo("allowed");

      fx.nextInterval();
      monitor.pollOnce(); // $13.50: the hourly budget is used up account-wide
      List<Alert> all = fx.alerts(AlertType.COST_THRESHOLD, "openai");
      assertThat(all).hasSize(2);
      assertThat(all.get(1).severity()).isEqualTo(Severity.CRITICAL);
      assertThat(all.get(1).facts()).containsEntry("percent", "135").containsEntry("scope", "account-wide")
          .containsEntry("spent", "$13.50");

      CircuitBreaker breaker = guard.breaker("openai");
      assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(breaker.tripReason()).contains(TripReason.MONITOR);
      AtomicInteger reached = new AtomicInteger();
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.01"), reached::incrementAndGet))
          .isInstanceOf(CircuitOpenException.class)
          .hasMessageContaining("MONITOR")
          .hasMessageContaining("account-wide hourly budget");
      assertThat(reached).hasValue(0);
      assertThat(((CircuitOpenException) catchRefusal()).reason()).isEqualTo(TripReason.MONITOR);
      assertThat(monitor.snapshot("openai").breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(guardAlerts).extracting(Alert::type).contains(AlertType.CIRCUIT_BREAKER);
      // The guard's own ledger is untouched: nothing is counted twice.
      assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(Cost.usd("0.01"));
    }
  }

  private Throwable catchRefusal() {
    try {
      guard.call("openai", Cost.usd("0.01"), () -> "never");
      return null;
    } catch (CircuitOpenException e) {
      return e;
    }
  }

  @ParameterizedTest(name = "breaker enabled={0}")
  @ValueSource(booleans = {true, false})
  void accountLevelSpikeInPolledData_tripsTheGuardsBreakerAndGuardedCallsFailFast(boolean enabled) {
    String json = "{\"monitoring_interval\": 300, \"circuit_breaker\": {\"enabled\": " + enabled
        + ", \"threshold_multiplier\": 5.0}}";
    int[] poll = {0};
    boolean[] runaway = {false};
    // Another process's normal use: about 50 requests and 5 cents per 5 minutes, never seen by the guard.
    FakeDetector openai = new FakeDetector("openai", ctx -> {
      int i = poll[0]++;
      double requests = runaway[0] ? 5000 : 50 + (i * 7) % 11 - 5;
      String cost = runaway[0] ? "5.00" : String.format(java.util.Locale.ROOT, "%.4f", requests * 0.001);
      return FakeDetector.span("openai", ctx, cost, requests);
    });
    try (RunawayMonitor monitor = fx.builder(json).guard(guard).detector(openai).build()) {
      for (int i = 0; i < 2 * 288; i++) { // two days of history
        monitor.pollOnce();
        fx.nextInterval();
      }
      assertThat(fx.alerts(AlertType.USAGE_SPIKE)).as("no false alarm on normal use").isEmpty();
      assertThat(monitor.snapshot("openai").baselineReady()).isTrue();

      runaway[0] = true; // a loop elsewhere starts burning 100x
      for (int i = 0; i < 3; i++) {
        monitor.pollOnce();
        if (!fx.alerts(AlertType.USAGE_SPIKE).isEmpty()) {
          break;
        }
        fx.nextInterval();
      }
      List<Alert> spikes = fx.alerts(AlertType.USAGE_SPIKE, "openai");
      assertThat(spikes).isNotEmpty();
      assertThat(spikes.get(0).facts()).containsEntry("scope", "account-wide");
      CircuitBreaker breaker = guard.breaker("openai");
      if (enabled) {
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breaker.tripReason()).contains(TripReason.MONITOR);
        assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.01"), () -> "never"))
            .isInstanceOf(CircuitOpenException.class)
            .hasMessageContaining("usage monitor")
            .satisfies(e -> assertThat(((CircuitOpenException) e).reason()).isEqualTo(TripReason.MONITOR));
        // The breaker lets a trial call through after its wait; while the runaway goes on, the next
        // poll opens it again.
        fx.nextInterval();
        assertThat(guard.call("openai", Cost.usd("0.01"), () -> "trial")).isEqualTo("trial");
        monitor.pollOnce();
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
      } else {
        assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(guard.call("openai", Cost.usd("0.01"), () -> "allowed")).isEqualTo("allowed");
      }
    }
  }

  @Test
  void exhaustedBudget_reopensABreakerThatWasResetWhileStillUsedUp() {
    FakeDetector openai = FakeDetector.spending("openai", "11");
    try (RunawayMonitor monitor = fx.builder(config(true)).guard(guard).detector(openai)
        .detector(FakeDetector.spending("github_actions", "0.10")).build()) {
      monitor.pollOnce();
      assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(fx.alerts(AlertType.COST_THRESHOLD, "openai")).singleElement()
          .satisfies(a -> assertThat(a.facts()).containsEntry("breaker", "OPEN"));
      guard.breaker("openai").reset();
      openai.script(ctx -> FakeDetector.span("openai", ctx, "0", 0));
      fx.nextInterval();
      monitor.pollOnce();
      assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(fx.alerts(AlertType.COST_THRESHOLD, "openai")).hasSize(1);
    }
  }

  @ParameterizedTest(name = "breaker enabled={0}")
  @ValueSource(booleans = {true, false})
  void serviceTheGuardDoesNotHave_onlyAlerts(boolean enabled) {
    try (RunawayMonitor monitor = fx.builder(config(enabled)).guard(guard)
        .detector(FakeDetector.spending("openai", "0.01"))
        .detector(FakeDetector.spending("github_actions", "2")).build()) {
      monitor.pollOnce();
      assertThat(fx.alerts(AlertType.COST_THRESHOLD, "github_actions")).singleElement()
          .satisfies(a -> assertThat(a.facts()).containsEntry("percent", "200"));
      assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    }
  }

  @Test
  void breakerDisabledInConfig_alertsButNeverTrips() {
    try (RunawayMonitor monitor = fx.builder(config(false)).guard(guard)
        .detector(FakeDetector.spending("openai", "25"))
        .detector(FakeDetector.spending("github_actions", "0.01")).build()) {
      monitor.pollOnce();
      assertThat(fx.alerts(AlertType.COST_THRESHOLD, "openai")).singleElement()
          .satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.CRITICAL));
      assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(guard.call("openai", Cost.usd("0.01"), () -> "allowed")).isEqualTo("allowed");
      assertThat(monitor.snapshot("github_actions").breakerState()).isEqualTo(CircuitBreaker.State.DISABLED);
    }
  }

  @Test
  void withoutAGuard_theMonitorAlerts_andReportsItsOwnBreakerOpenWhileABudgetIsUsedUp() {
    // The monitor's own breaker is the one its emergency stops fire on ("the monitor's breaker
    // opened"): the status page said CLOSED beside that alert (monitor trial).
    try (RunawayMonitor monitor = fx.builder(config(true)).detector(FakeDetector.spending("openai", "25"))
        .detector(FakeDetector.spending("github_actions", "0.01")).build()) {
      monitor.pollOnce();
      // The alert's facts show the breaker this very poll opens (they said CLOSED: nu27 trial).
      assertThat(fx.alerts(AlertType.COST_THRESHOLD, "openai")).singleElement()
          .satisfies(a -> assertThat(a.facts()).containsEntry("breaker", "OPEN"));
      assertThat(monitor.snapshot("openai").breakerState()).isEqualTo(CircuitBreaker.State.OPEN);
      assertThat(monitor.snapshot("github_actions").breakerState()).isEqualTo(CircuitBreaker.State.CLOSED);
      assertThat(monitor.snapshot("openai").windows().get(0).spent()).isEqualTo(Cost.usd("25"));
    }
  }

  @Test
  void relay_bringsTheAlertsOfAGuardBuiltBeforeTheMonitorToTheMonitorsAlerting() throws Exception {
    RunawayMonitor.Builder b = fx.builder(config(true)).detector(FakeDetector.spending("openai", "0.10"))
        .detector(FakeDetector.spending("github_actions", "0.10"));
    dev.runaway.alert.Notifier relay = b.relay();
    assertThat(b.relay()).isSameAs(relay);
    // The guard that holds the fleet breaker is built first (the monitor is given it), as in runaway-monitor.
    try (RunawayGuard early = RunawayGuard.builder().service("openai", s -> s.budget(Budget.hourly(Cost.usd("10"))))
        .ticker(fx.ticker).alertSink(a -> {
          try {
            relay.send(a);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }).build()) {
      int mark = dev.runaway.testing.LogCapture.mark();
      early.breaker("openai").forceOpen("before the monitor exists");
      assertThat(fx.alerts(AlertType.CIRCUIT_BREAKER)).isEmpty();
      assertThat(dev.runaway.testing.LogCapture.since(mark)).anySatisfy(e -> assertThat(e.message())
          .contains("monitor is not built or closed", "CIRCUIT_BREAKER", "service=openai"));
      early.breaker("openai").reset();

      try (RunawayMonitor monitor = b.guard(early).build()) {
        early.breaker("openai").forceOpen("a fleet-wide trip");
        assertThat(fx.alerts(AlertType.CIRCUIT_BREAKER, "openai")).anySatisfy(a -> {
          assertThat(a.severity()).isEqualTo(Severity.CRITICAL);
          assertThat(a.title()).contains("OPEN");
        });
        assertThat(monitor.services()).contains("openai");
      }
      // Closed: the relay logs again instead of handing alerts to a closed dispatcher.
      int afterClose = dev.runaway.testing.LogCapture.mark();
      early.breaker("openai").reset();
      early.breaker("openai").forceOpen("after the monitor closed");
      assertThat(dev.runaway.testing.LogCapture.since(afterClose)).anySatisfy(e -> assertThat(e.message())
          .contains("monitor is not built or closed", "CIRCUIT_BREAKER"));
    }
  }
}
