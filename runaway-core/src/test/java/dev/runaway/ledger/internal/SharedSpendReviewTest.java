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
import org.junit.jupiter.api.Test;

/**
 * Second review of issue 19 (nu49): the windows read their spend from the account's shared
 * counter, which keeps counting after a window saturates; what a saturated window exports for the
 * state file must still say "saturated", never a wrapped (negative or small) amount. Commits racing
 * with the roll-overs of windows of different bucket sizes are dated no earlier than their reading,
 * counted once, and leave each window exactly.
 */
final class SharedSpendReviewTest {

  private static List<Budget> slidingAndDay() {
    return List.of(Budget.hourly(Cost.usd("10")), Budget.calendarDay(Cost.usd("50"), ZoneOffset.UTC));
  }

  /** Exports every window of {@code a} and restores them into a fresh account of the same budgets. */
  private static InMemoryLedger.Account restarted(InMemoryLedger.Account a, ManualTicker ticker, long now) {
    InMemoryLedger.Account fresh = new InMemoryLedger.Account(slidingAndDay(), ticker);
    for (int i = 0; i < 2; i++) {
      WindowState w = a.window(i).export(now, 0);
      fresh.window(i).restore(w, now, 0);
    }
    return fresh;
  }

  @Test
  void saturatedWindows_exportSaturated_forEveryNumberOfHugeRecords() {
    for (int records = 1; records <= 8; records++) {
      ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T12:00:00Z"));
      long now = ticker.nanoTime();
      InMemoryLedger.Account a = new InMemoryLedger.Account(slidingAndDay(), ticker);
      for (int i = 0; i < records; i++) {
        a.record(Long.MAX_VALUE, now);
      }
      for (int i = 0; i < 2; i++) {
        WindowState w = a.window(i).export(now, 0);
        long total = 0;
        for (int j = 0; j < w.size(); j++) {
          assertThat(w.amount(j)).as("%d records, window %d, entry %d", records, i, j).isPositive();
          total = Window.saturatedSum(total, w.amount(j));
        }
        assertThat(total).as("%d records, window %d", records, i).isGreaterThanOrEqualTo(Window.SATURATED);
      }
      // After a restart the budget is still used up: no refund.
      InMemoryLedger.Account fresh = restarted(a, ticker, now);
      assertThat(fresh.tryReserve(1, now)).as("%d records", records).isNotEqualTo(LedgerAccount.ADMITTED);
      for (int i = 0; i < 2; i++) {
        assertThat(fresh.used(i, now)).as("%d records, window %d", records, i).isGreaterThanOrEqualTo(Window.SATURATED);
      }
    }
  }

  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  /**
   * Many short races: two threads reserve and commit (reading the clock for each) while a clock
   * thread moves time in steps shorter than a bucket, all within one length of a 10 s window of
   * 1 s buckets, whose account also has an hour of 1 min buckets and a calendar day. Then time is
   * moved on by hand: at every moment each window holds at least the spend committed with a
   * reading still inside it (none dated into a bucket older than its reading, none released
   * early), never less than nothing (none counted twice), and once the whole window and a bucket
   * have passed, nothing (none left in no bucket or stuck).
   */
  @Test
  void commitsRacingWithRollOvers_leaveNoEarlierThanTheirReading_andExactlyOnce() throws Exception {
    long window = 10 * SECOND;
    for (int run = 0; run < 150; run++) {
      ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T23:59:55Z"));
      long t0 = ticker.nanoTime();
      InMemoryLedger.Account a = new InMemoryLedger.Account(List.of(Budget.of(Cost.usd("1000"), Duration.ofSeconds(10)),
          Budget.hourly(Cost.usd("1000")), Budget.calendarDay(Cost.usd("1000"), ZoneOffset.UTC)), ticker);
      int workers = 2;
      int calls = 400;
      long[][] at = new long[workers][calls];
      long[][] spent = new long[workers][calls];
      AtomicLong finished = new AtomicLong();
      AtomicBoolean go = new AtomicBoolean();
      Race.run(workers + 1, t -> {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        if (t < workers) {
          for (int i = 0; i < calls; i++) {
            long now = ticker.nanoTime();
            long est = 1 + r.nextLong(1_000_000);
            assertThat(a.tryReserve(est, now)).isEqualTo(LedgerAccount.ADMITTED);
            long actual = r.nextInt(4) == 0 ? est : r.nextLong(est + 1);
            // The commit's reading: the admission's, or one taken now.
            long reading = r.nextBoolean() ? now : ticker.nanoTime();
            a.commit(est, actual, reading);
            at[t][i] = reading;
            spent[t][i] = actual;
            if (i == 0) {
              go.set(true);
            }
          }
          finished.incrementAndGet();
        } else {
          while (!go.get()) {
            Thread.onSpinWait();
          }
          // Under 8.6 s in steps of up to 1/7 s: several 1 s buckets close under the workers.
          for (int step = 0; step < 60 && finished.get() < workers; step++) {
            ticker.advanceNanos(r.nextLong(SECOND / 7));
            Thread.yield();
          }
        }
      });
      long end = ticker.nanoTime();
      assertThat(end - t0).isLessThan(window);
      long total = 0;
      for (int t = 0; t < workers; t++) {
        for (int i = 0; i < calls; i++) {
          total += spent[t][i];
        }
      }
      assertThat(a.spent(1, end)).as("run %d: the hour holds every commit once", run).isEqualTo(total);
      // The threads' leases are headroom set aside, not spend: given back, nothing else is left.
      a.reclaimLeases();
      assertThat(a.leased()).isZero();
      assertThat(a.used(1, end)).isEqualTo(total);
      // The day began at 00:00:00, 5 s after t0: it holds at least what was committed since.
      long today = 0;
      for (int t = 0; t < workers; t++) {
        for (int i = 0; i < calls; i++) {
          today += at[t][i] >= t0 + 5 * SECOND ? spent[t][i] : 0;
        }
      }
      assertThat(a.used(2, end)).as("run %d: the day", run).isGreaterThanOrEqualTo(today).isLessThanOrEqualTo(total)
          .isEqualTo(a.spent(2, end));
      for (long p = end; p <= end + window + 2 * SECOND; p += SECOND / 20) {
        long inWindow = 0;
        for (int t = 0; t < workers; t++) {
          for (int i = 0; i < calls; i++) {
            if (at[t][i] > p - window) {
              inWindow += spent[t][i];
            }
          }
        }
        long used = a.used(0, p);
        assertThat(used).as("run %d at +%d ms", run, (p - end) / 1_000_000).isGreaterThanOrEqualTo(inWindow)
            .isEqualTo(a.spent(0, p)).isLessThanOrEqualTo(total);
      }
      assertThat(a.used(0, end + window + SECOND)).as("run %d: all out", run).isZero();
      assertThat(a.used(1, end + 61 * 60 * SECOND)).as("run %d: all out of the hour", run).isZero();
    }
  }

  /**
   * A reader of a window's spend (snapshots, the top keys) racing with its roll-overs: a window of
   * 100 buckets, a writer thread committing 32 equal amounts per bucket (so the window never
   * holds more than 101 buckets of 32), another thread reading. A reading never holds more than
   * the window can: the closing bucket is not counted both as closed and as the newest one.
   */
  @Test
  void spentReadDuringRollOvers_neverCountsTheClosingBucketTwice() throws Exception {
    long amount = 1000;
    int n = 100;
    int perBucket = 32;
    long step = 100;
    SlidingWindow w = new SlidingWindow(Long.MAX_VALUE / 4, n * perBucket * step, n);
    long most = (n + 1) * perBucket * amount;
    AtomicBoolean done = new AtomicBoolean();
    AtomicLong worst = new AtomicLong(Long.MIN_VALUE);
    AtomicLong reads = new AtomicLong();
    w.roll(0);
    Race.run(2, t -> {
      if (t == 0) {
        for (long i = 1; i <= 4_000_000 && (i < 1_000_000 || reads.get() < 10_000); i++) {
          // An account's commit: the window's counter, its roll, then the shared spend counter.
          w.addUsed(amount);
          w.roll(i * step);
          w.spend.add(amount);
        }
        done.set(true);
      } else {
        while (!done.get()) {
          // A reading that does not roll (0 is long past): only the writer moves the window.
          worst.accumulateAndGet(w.spent(0), Math::max);
          reads.incrementAndGet();
        }
      }
    });
    assertThat(reads.get()).isPositive();
    assertThat(worst.get()).as("in %d reads", reads.get()).isLessThanOrEqualTo(most);
  }

  /**
   * Clock steps with windows of different bucket sizes on one counter: a reading that goes back
   * 10 minutes is dated in the newest bucket of each window (it leaves a whole window after that
   * bucket, not after its own older reading), a jump of three days forward releases everything
   * and starts the day anew, and the counts go on exactly after it.
   */
  @Test
  void clockSteps_backwardsDatedInTheNewestBucket_daysForwardReleaseAllOnce() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T12:00:00Z"));
    long t0 = ticker.nanoTime();
    long minute = 60 * SECOND;
    long dollar = Cost.usd("1").nanos();
    InMemoryLedger.Account a = new InMemoryLedger.Account(List.of(Budget.of(Cost.usd("100"), Duration.ofMinutes(1)),
        Budget.hourly(Cost.usd("100")), Budget.calendarDay(Cost.usd("100"), ZoneOffset.UTC)), ticker);
    ticker.advanceNanos(30 * minute);
    long t1 = ticker.nanoTime();
    assertThat(a.tryReserve(dollar, t1)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(dollar, dollar, t1);
    // The ticker goes back 10 minutes: a call admitted and committed there.
    long back = t1 - 10 * minute;
    assertThat(a.tryReserve(2 * dollar, back)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(2 * dollar, 2 * dollar, back);
    assertThat(a.used(0, t1 + minute)).as("still in the minute window after its reading + 1 min").isEqualTo(3 * dollar);
    assertThat(a.used(0, t1 + minute + SECOND)).isZero();
    assertThat(a.used(1, t1 + 60 * minute)).isEqualTo(3 * dollar);
    assertThat(a.used(1, t1 + 61 * minute)).isZero();
    assertThat(a.spent(2, t1 + 61 * minute)).isEqualTo(3 * dollar);
    // Three days forward (ticker and wall): every window empty, the day too, nothing negative.
    ticker.advanceNanos(3 * 24 * 60 * minute);
    long t2 = ticker.nanoTime();
    for (int b = 0; b < 3; b++) {
      assertThat(a.used(b, t2)).as("budget %d after 3 days", b).isZero();
      assertThat(a.spent(b, t2)).isZero();
    }
    assertThat(a.tryReserve(5 * dollar, t2)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(5 * dollar, 4 * dollar, t2);
    a.record(dollar, t2 + SECOND);
    for (int b = 0; b < 3; b++) {
      assertThat(a.used(b, t2 + SECOND)).as("budget %d", b).isEqualTo(5 * dollar).isEqualTo(a.spent(b, t2 + SECOND));
    }
    assertThat(a.used(0, t2 + minute + 2 * SECOND)).isZero();
    assertThat(a.used(1, t2 + minute + 2 * SECOND)).isEqualTo(5 * dollar);
  }
}
