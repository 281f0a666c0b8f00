package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Severity;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The 80% and 100% alerts of a service budget whose calls are admitted from their threads' leases
 * (issue 19: a call admitted from its lease whose commit moved no window skips the levels' check;
 * the call that took the lease, or any call that moves a window, checks them).
 */
final class LeasedThresholdAlertsTest {

  /** $10 an hour: calls of {@link #leasedAmount} come from leases on any processor count up to 64. */
  private static final long LIMIT = 10_000_000_000L;

  /** The largest call a lease admits on this machine: limit / 1000 per cell, 64 calls a chunk. */
  private static long leasedAmount() {
    int p = Runtime.getRuntime().availableProcessors();
    int cells = Integer.highestOneBit(Math.max(1, Math.min(64, p)) * 2 - 1);
    return LIMIT / 1000 / cells / 64;
  }

  private static RunawayGuard guard(ManualTicker ticker, List<Alert> alerts) {
    // No budget-velocity rule: only the budget itself stops these calls (all at one instant).
    return RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.ofNanos(LIMIT))).budgetHorizon(Duration.ZERO))
        .ticker(ticker).alertSink(alerts::add).build();
  }

  private static List<Alert> levels(List<Alert> alerts) {
    return alerts.stream().filter(a -> a.type() == AlertType.COST_THRESHOLD).toList();
  }

  @Test
  void leasedCalls_alertAt80And100PercentOnce_andAgainAfterTheWindowEmptied() {
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = guard(ticker, alerts);
    Cost each = Cost.ofNanos(leasedAmount());
    long admitted = 0;
    while (levels(alerts).isEmpty()) {
      guard.call("svc", each, () -> 1);
      admitted++;
    }
    // The 80% alert comes with the call that took the lease crossing 80% (a lease holds at most
    // 0.1% of the limit per cell): no later than 80% + 0.1% of the budget spent.
    assertThat(levels(alerts)).singleElement().satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.WARNING));
    assertThat(admitted * leasedAmount()).isBetween(LIMIT / 100 * 79, LIMIT / 1000 * 801);

    long exact = LIMIT / leasedAmount();
    while (true) {
      try {
        guard.call("svc", each, () -> 1);
        admitted++;
      } catch (BudgetExceededException e) {
        break;
      }
    }
    assertThat(admitted).isEqualTo(exact);
    assertThat(levels(alerts)).hasSize(2).last()
        .satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.CRITICAL));

    // An hour on, the window has emptied: the levels re-arm and alert again when it fills again.
    ticker.advance(Duration.ofMinutes(61));
    while (levels(alerts).size() < 3) {
      guard.call("svc", each, () -> 1);
    }
    assertThat(levels(alerts)).hasSize(3).last()
        .satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.WARNING));
    assertThrows(BudgetExceededException.class, () -> {
      while (true) {
        guard.call("svc", each, () -> 1);
      }
    });
    assertThat(levels(alerts)).hasSize(4);
  }

  @Test
  void threadsRacingLeasedCallsToTheLimit_getEachLevelOnce() throws Exception {
    for (int run = 0; run < 5; run++) {
      ManualTicker ticker = ManualTicker.create();
      List<Alert> alerts = new CopyOnWriteArrayList<>();
      RunawayGuard guard = guard(ticker, alerts);
      Cost each = Cost.ofNanos(leasedAmount());
      AtomicLong admitted = new AtomicLong();
      Race.run(8, i -> {
        while (true) {
          try {
            guard.call("svc", each, () -> 1);
            admitted.incrementAndGet();
          } catch (BudgetExceededException e) {
            return;
          }
        }
      });
      assertThat(admitted.get()).isEqualTo(LIMIT / leasedAmount());
      assertThat(levels(alerts)).extracting(Alert::severity).containsExactlyInAnyOrder(Severity.WARNING,
          Severity.CRITICAL);
    }
  }

  @Test
  void aWindowThatEmptiedWhileCallsCameFromLeases_alerts80PercentAgain_whenOneChargeFillsIt() {
    // Calls from a lease see the window empty (use below 40%): the levels re-arm then, as before
    // the leased calls skipped the check. A single charge that then takes the budget from near
    // empty past 80% (a record, a call that cost far above its estimate) must alert again.
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    // Past the warm-up (a day), where no velocity rule makes a leased call check the levels; no
    // breaker, so that the charges below are not refused as a runaway.
    RunawayGuard guard = RunawayGuard.builder()
        .service("svc", s -> s.budget(Budget.hourly(Cost.ofNanos(LIMIT))).breakerEnabled(false))
        .ticker(ticker).alertSink(alerts::add).build();
    Cost each = Cost.ofNanos(leasedAmount());
    for (int hour = 0; hour < 26; hour++) {
      guard.call("svc", each, () -> 1);
      ticker.advance(Duration.ofHours(1));
    }
    guard.call("svc", each, () -> 1);
    guard.record("svc", Cost.ofNanos(LIMIT / 100 * 85));
    assertThat(levels(alerts)).singleElement().satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.WARNING));
    // The alert's snapshot took the leases back: this call leases again (and checks, at 85%).
    guard.call("svc", each, () -> 1);

    ticker.advance(Duration.ofMinutes(61));
    for (int i = 0; i < 5; i++) {
      guard.call("svc", each, () -> 1);
    }
    guard.record("svc", Cost.ofNanos(LIMIT / 100 * 85));
    assertThat(levels(alerts)).hasSize(2).last().satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.WARNING));
  }

  @Test
  void aFailedCallWhoseLeaseTookTheBudgetPast80Percent_isAlerted() {
    // The call that takes a lease checks the levels when it returns; one that throws must too, or
    // the calls admitted from that lease (which skip the check) leave the 80% alert untold.
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = guard(ticker, alerts);
    long amount = leasedAmount();
    // Just below 80%: the lease (64 calls) takes it past.
    guard.record("svc", Cost.ofNanos(LIMIT / 5 * 4 - amount));
    assertThat(levels(alerts)).isEmpty();
    assertThrows(IllegalStateException.class, () -> guard.call("svc", Cost.ofNanos(amount), () -> {
      throw new IllegalStateException("503");
    }));
    guard.call("svc", Cost.ofNanos(amount), () -> 1);
    assertThat(levels(alerts)).singleElement().satisfies(a -> assertThat(a.severity()).isEqualTo(Severity.WARNING));
  }
}
