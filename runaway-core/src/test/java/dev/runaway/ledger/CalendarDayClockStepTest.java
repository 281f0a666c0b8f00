package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.ledger.internal.PersistentLedger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A wall clock stepped back across midnight (NTP, a VM resumed, an operator) must not hand out a
 * calendar day's budget twice: each day admits at most its limit whatever the clock does.
 */
final class CalendarDayClockStepTest {

  private static final Cost LIMIT = Cost.usd("10");
  private static final Cost CALL = Cost.usd("0.5");

  @TempDir
  Path dir;

  private final ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-03-07T23:59:40Z"));

  private RunawayGuard guard(BudgetLedger ledger) {
    return RunawayGuard.builder()
        .service("svc", s -> s.budgetHorizon(java.time.Duration.ZERO).budget(Budget.calendarDay(LIMIT, ZoneId.of("UTC"))))
        .ticker(ticker).ledger(ledger).alertSink(a -> { }).build();
  }

  /** Calls once a second until {@code until} (wall clock), returning what was admitted. */
  private long spendUntil(RunawayGuard guard, Instant until) {
    long admitted = 0;
    while (ticker.instant().isBefore(until)) {
      try {
        guard.call("svc", CALL, () -> "ok");
        admitted += CALL.nanos();
      } catch (BudgetExceededException refused) {
        // counted by what was not admitted
      }
      ticker.advance(Duration.ofSeconds(1));
    }
    return admitted;
  }

  private void stepBackAcrossMidnight(BudgetLedger ledger) {
    try (RunawayGuard guard = guard(ledger)) {
      // Day 1: the whole $10 before midnight.
      long day1 = spendUntil(guard, Instant.parse("2026-03-07T23:59:59.5Z"));
      assertThat(day1).isEqualTo(LIMIT.nanos());
      // Day 2 begins: the budget is fresh, $8.50 of it is spent by 00:00:17.
      long day2 = spendUntil(guard, Instant.parse("2026-03-08T00:00:17Z"));
      assertThat(day2).isEqualTo(Cost.usd("8.5").nanos());
      // The wall clock steps back 30 s, to 23:59:47 of day 1, and runs on past midnight again.
      ticker.setInstant(ticker.instant().minusSeconds(30));
      long afterStep = spendUntil(guard, Instant.parse("2026-03-08T00:01:00Z"));
      // Day 2 had $1.50 left: no more, neither "yesterday again" nor "today again".
      assertThat(Cost.ofNanos(day2 + afterStep)).isEqualTo(LIMIT);
    }
  }

  @Test
  void wallClockStepsBackAcrossMidnight_inMemory_eachDayAdmitsAtMostItsLimit() {
    stepBackAcrossMidnight(BudgetLedger.inMemory(ticker));
  }

  @Test
  void wallClockStepsBackAcrossMidnight_stateFile_eachDayAdmitsAtMostItsLimit() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      stepBackAcrossMidnight(PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1)));
    } finally {
      scheduler.shutdownNow();
    }
  }

  /**
   * The same step, with a restart in between (nu28 trial: a process restarted with its clock a
   * day back restored $0.00 of the $0.60 its state file held for the calendar day): the restarted
   * guard keeps the newer day and its spend, as a running one does.
   */
  @Test
  void restartWithTheClockSteppedBackAcrossMidnight_keepsTheNewerDaysSpend() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      ticker.setInstant(Instant.parse("2026-03-08T00:00:05Z"));
      try (RunawayGuard guard = guard(PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1)))) {
        assertThat(spendUntil(guard, Instant.parse("2026-03-08T00:00:17Z"))).isEqualTo(Cost.usd("6").nanos());
      }
      // The process restarts with the wall clock 30 s back, at 23:59:52 of day 1, and runs past midnight.
      ticker.setInstant(Instant.parse("2026-03-07T23:59:52Z"));
      try (RunawayGuard guard = guard(PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1)))) {
        assertThat(guard.snapshot("svc").windows().get(0).spent()).isEqualTo(Cost.usd("6"));
        long afterRestart = spendUntil(guard, Instant.parse("2026-03-08T00:01:00Z"));
        // Day 2 had $4 left: no more.
        assertThat(Cost.ofNanos(afterRestart)).isEqualTo(Cost.usd("4"));
      }
    } finally {
      scheduler.shutdownNow();
    }
  }
}
