package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: an account adds committed spend once to a counter its windows share, and each window
 * dates it by its own bucket boundaries. Spend leaves every window at that window's boundary,
 * never early, and never twice.
 */
final class SharedSpendTest {

  private static final long SECOND = Duration.ofSeconds(1).toNanos();
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();
  private static final long DOLLAR = Cost.usd("1").nanos();

  /** A minute of 1 s buckets, an hour of 1 min buckets and a calendar day, in one account. */
  private static List<Budget> threeWindows(String limit) {
    return List.of(Budget.of(Cost.usd(limit), Duration.ofMinutes(1)), Budget.hourly(Cost.usd(limit)),
        Budget.calendarDay(Cost.usd(limit), ZoneOffset.UTC));
  }

  @Test
  void commit_spendLeavesEachWindowAtThatWindowsOwnBucketBoundary() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T12:00:00Z"));
    long t0 = ticker.nanoTime();
    // A service's account: striped spend counter.
    InMemoryLedger.Account a = new InMemoryLedger.Account(threeWindows("100"), ticker);
    a.record(DOLLAR, t0 + SECOND / 2);
    assertThat(a.tryReserve(5 * DOLLAR, t0 + 30 * SECOND + SECOND / 2)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(5 * DOLLAR, 2 * DOLLAR, t0 + 30 * SECOND + SECOND / 2);
    // The minute window: $1 of second 0 leaves at 61 s, $2 of second 30 at 91 s.
    assertThat(a.used(0, t0 + 61 * SECOND - 1)).isEqualTo(3 * DOLLAR);
    assertThat(a.spent(0, t0 + 61 * SECOND - 1)).isEqualTo(3 * DOLLAR);
    assertThat(a.used(0, t0 + 61 * SECOND)).isEqualTo(2 * DOLLAR);
    assertThat(a.nanosUntilRoom(0, 99 * DOLLAR, t0 + 61 * SECOND)).isEqualTo(30 * SECOND);
    assertThat(a.used(0, t0 + 91 * SECOND)).isZero();
    // The hour window holds both in minute 0: they leave together at 61 min.
    assertThat(a.spent(1, t0 + 91 * SECOND)).isEqualTo(3 * DOLLAR);
    assertThat(a.nanosUntilRoom(1, 98 * DOLLAR, t0 + 91 * SECOND)).isEqualTo(61 * MINUTE - 91 * SECOND);
    assertThat(a.used(1, t0 + 61 * MINUTE - 1)).isEqualTo(3 * DOLLAR);
    assertThat(a.used(1, t0 + 61 * MINUTE)).isZero();
    // The day keeps it until midnight.
    assertThat(a.spent(2, t0 + 61 * MINUTE)).isEqualTo(3 * DOLLAR);
    assertThat(a.used(0, t0 + 61 * MINUTE)).isZero();
  }

  @Test
  void commit_readingAfterTheLastRoll_isNotDatedInAnOlderBucket() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T12:00:00Z"));
    long t0 = ticker.nanoTime();
    InMemoryLedger.Account a = new InMemoryLedger.Account(threeWindows("100"), ticker);
    // Reserved in second 0; committed with a reading of second 10, no call in between: the spend
    // is the bucket of second 10's (the reading the commit gives), not second 0's.
    assertThat(a.tryReserve(DOLLAR, t0)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(DOLLAR, DOLLAR, t0 + 10 * SECOND);
    assertThat(a.used(0, t0 + 61 * SECOND)).isEqualTo(DOLLAR);
    assertThat(a.used(0, t0 + 71 * SECOND - 1)).isEqualTo(DOLLAR);
    assertThat(a.used(0, t0 + 71 * SECOND)).isZero();
    assertThat(a.used(1, t0 + 71 * SECOND)).isEqualTo(DOLLAR);
  }

  @Test
  void keyAndServiceAccounts_dateSpendTheSame() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T12:00:00Z"));
    long t0 = ticker.nanoTime();
    LedgerAccount key = new InMemoryLedger(ticker).account("svc", "k", threeWindows("100"));
    LedgerAccount service = new InMemoryLedger.Account(threeWindows("100"), ticker);
    for (LedgerAccount a : List.of(key, service)) {
      for (int s = 0; s < 120; s += 7) {
        assertThat(a.tryReserve(DOLLAR, t0 + s * SECOND)).isEqualTo(LedgerAccount.ADMITTED);
        a.commit(DOLLAR, DOLLAR / 2, t0 + s * SECOND);
      }
    }
    for (long t = t0; t < t0 + 3 * MINUTE; t += SECOND / 3) {
      for (int b = 0; b < 3; b++) {
        assertThat(key.used(b, t)).as("budget %d at %d", b, t - t0).isEqualTo(service.used(b, t))
            .isEqualTo(key.spent(b, t));
      }
    }
  }

  /**
   * Real threads reserve, commit (the reservation, less, nothing, with the admission's reading or
   * a later one) and release while a clock thread moves time across the minute window's buckets:
   * the hour (which nothing leaves during the run) never admits more than its limit, no counter is
   * ever negative, and at the end each window holds exactly its committed spend, the hour and the
   * day all of it.
   */
  @RepeatedTest(10)
  void threadsAcrossRollOvers_neverOverAdmitAndEndAtExactlyTheCommittedTotal() throws Exception {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T10:00:00Z"));
    long t0 = ticker.nanoTime();
    long minuteLimit = Cost.usd("0.5").nanos();
    long hourLimit = Cost.usd("5").nanos();
    long maxEstimate = 10_000_000;
    InMemoryLedger.Account a = new InMemoryLedger.Account(List.of(
        Budget.of(Cost.usd("0.5"), Duration.ofMinutes(1)), Budget.hourly(Cost.usd("5")),
        Budget.calendarDay(Cost.usd("1000"), ZoneOffset.UTC)), ticker);
    int workers = 4;
    int calls = 30_000;
    AtomicLong committed = new AtomicLong();
    AtomicLong refused = new AtomicLong();
    AtomicLong ops = new AtomicLong();
    AtomicLong finished = new AtomicLong();
    AtomicLong steps = new AtomicLong();
    AtomicBoolean ticking = new AtomicBoolean(true);
    AtomicLong worst = new AtomicLong(Long.MIN_VALUE);
    AtomicLong lowest = new AtomicLong(Long.MAX_VALUE);
    Race.run(workers + 2, t -> {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      if (t < workers) {
        for (int i = 0; i < calls; i++) {
          // Kept in step with the clock (two cores, six threads): about 20 calls per clock step.
          while (ticking.get() && ops.get() > (steps.get() + 2) * 20) {
            Thread.yield();
          }
          ops.incrementAndGet();
          long now = ticker.nanoTime();
          long est = 1 + r.nextLong(maxEstimate);
          if (a.tryReserve(est, now) != LedgerAccount.ADMITTED) {
            refused.incrementAndGet();
            continue;
          }
          int kind = r.nextInt(5);
          long at = r.nextBoolean() ? now : ticker.nanoTime();
          if (kind == 0) {
            a.release(est, at);
          } else {
            long actual = kind == 1 ? est : kind == 2 ? 0 : r.nextLong(est + 1);
            a.commit(est, actual, at);
            committed.addAndGet(actual);
          }
        }
        finished.incrementAndGet();
      } else if (t == workers) {
        // The clock: 2,400 steps of under 1.2 s (under 48 min), one per 20 of the workers' calls.
        for (int step = 0; step < 2_400 && finished.get() < workers; step++) {
          ticker.advanceNanos(r.nextLong(6 * SECOND / 5));
          long n = steps.incrementAndGet();
          while (ops.get() < n * 20 && finished.get() < workers) {
            Thread.yield();
          }
        }
        ticking.set(false);
      } else {
        // A reader: the counters as the guard reads them. A refused reservation is added and taken
        // back, so a reading may be over the limit by the estimates of the calls being refused.
        while (finished.get() < workers) {
          long now = ticker.nanoTime();
          for (int b = 0; b < 2; b++) {
            long u = a.used(b, now) - (b == 0 ? minuteLimit : hourLimit);
            worst.accumulateAndGet(u, Math::max);
            lowest.accumulateAndGet(a.used(b, now), Math::min);
          }
        }
      }
    });
    long now = ticker.nanoTime();
    assertThat(now - t0).as("the run stays within the hour").isLessThan(50 * MINUTE);
    assertThat(now - t0).as("the clock crossed many minute buckets").isGreaterThan(5 * MINUTE);
    assertThat(refused.get()).as("the budgets were reached").isPositive();
    assertThat(worst.get()).isLessThanOrEqualTo(workers * maxEstimate);
    assertThat(lowest.get()).isGreaterThanOrEqualTo(0);
    for (int b = 0; b < 3; b++) {
      assertThat(a.used(b, now)).as("budget %d: nothing outstanding", b).isEqualTo(a.spent(b, now));
    }
    // Nothing left the hour during the run: every actual is at most its reservation, so exactly
    // what was committed, and never more than the limit.
    assertThat(a.spent(1, now)).isEqualTo(committed.get()).isLessThanOrEqualTo(hourLimit);
    assertThat(a.spent(2, now)).isEqualTo(committed.get());
    assertThat(a.spent(0, now)).isLessThanOrEqualTo(minuteLimit);
    // Each window lets go of everything at its own time, the day not before midnight.
    assertThat(a.used(0, now + 61 * SECOND)).isZero();
    assertThat(a.used(1, now + 61 * MINUTE)).isZero();
    assertThat(a.spent(2, now + 61 * MINUTE)).isEqualTo(committed.get());
  }
}
