package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Invariants the threads' leases rely on, pinned: a lease outlives a roll of its window without
 * being refunded or counted as spend, a call in flight from a lease is saved by the state file,
 * the largest limits neither wrap nor reopen, and a $10 budget with calls of a tenth of a cent
 * (the usual case) has no lease on any processor count.
 */
final class LeasesInvariantsTest extends StateDirFixture {

  private static final long LIMIT = Cost.usd("1").nanos();

  private static long leasedAmount(long limit) {
    int stripes = new Leases(Runtime.getRuntime().availableProcessors()).stripes();
    return Math.max(1, limit / InMemoryLedger.LEASE_SHARE / stripes / InMemoryLedger.LEASE_CALLS / 4);
  }

  @Test
  void aLeaseTakenBeforeMidnight_isNeitherRefundedNorCountedAsTheNewDaysSpend() {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-12-06T23:59:00Z"));
    InMemoryLedger.Account a = new InMemoryLedger.Account(
        List.of(Budget.calendarDay(Cost.ofNanos(LIMIT), ZoneOffset.UTC)), ticker);
    long amount = leasedAmount(LIMIT);
    long now = ticker.nanoTime();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, amount, now);
    long leased = a.leased();
    assertThat(leased).isPositive();
    ticker.advance(Duration.ofMinutes(2));
    now = ticker.nanoTime();
    // Yesterday's call left with yesterday; the lease is still held, counted as used.
    assertThat(a.spent(0, now)).isZero();
    assertThat(a.used(0, now)).isEqualTo(leased);
    for (int i = 0; i < 3; i++) {
      assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
      a.commit(amount, amount, now);
    }
    assertThat(a.used(0, now)).as("the calls came out of the lease").isEqualTo(leased);
    a.reclaimLeases();
    assertThat(a.used(0, now)).isEqualTo(a.spent(0, now)).isEqualTo(3 * amount);
  }

  @Test
  void aLeaseHeldWhileItsSlidingWindowRollsOver_isNeitherRefundedNorCountedAsSpend() {
    ManualTicker ticker = ManualTicker.create();
    InMemoryLedger.Account a = new InMemoryLedger.Account(List.of(Budget.hourly(Cost.ofNanos(LIMIT))), ticker);
    long amount = leasedAmount(LIMIT);
    long now = ticker.nanoTime();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, amount, now);
    long leased = a.leased();
    ticker.advance(Duration.ofMinutes(61));
    now = ticker.nanoTime();
    assertThat(a.spent(0, now)).isZero();
    assertThat(a.used(0, now)).isEqualTo(leased);
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, 2 * amount, now);
    ticker.advance(Duration.ofMinutes(61));
    now = ticker.nanoTime();
    // The call's spend left with its bucket; the rest of the lease is still there, not refunded.
    assertThat(a.spent(0, now)).isZero();
    assertThat(a.used(0, now)).isEqualTo(leased - 2 * amount).isEqualTo(a.leased());
    a.reclaimLeases();
    assertThat(a.used(0, now)).isZero();
  }

  @Test
  void aCallInFlightFromALease_isSavedByTheStateFile_andTheLeaseIsNot() {
    ManualTicker ticker = ManualTicker.create();
    PersistentLedger ledger = ledger(ticker);
    List<Budget> budgets = List.of(Budget.hourly(Cost.ofNanos(LIMIT)));
    LedgerAccount a = ledger.account("openai", null, budgets);
    long amount = leasedAmount(LIMIT);
    long now = ticker.nanoTime();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, amount, now);
    // The second call comes out of the lease and is still running when the process stops.
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    ledger.close();
    ManualTicker next = ManualTicker.startingAt(ticker.instant());
    PersistentLedger again = ledger(next);
    LedgerAccount b = again.account("openai", null, budgets);
    assertThat(b.used(0, next.nanoTime())).isEqualTo(2 * amount);
    again.close();
  }

  @Test
  void atTheLargestLimit_aLeasedCallCostingLongMaxValue_saturatesTheBudgetForGood() {
    ManualTicker ticker = ManualTicker.create();
    long limit = Budget.MAX_LIMIT.nanos();
    InMemoryLedger.Account a = new InMemoryLedger.Account(
        List.of(Budget.hourly(Budget.MAX_LIMIT), Budget.calendarDay(Budget.MAX_LIMIT, ZoneOffset.UTC)), ticker);
    long amount = leasedAmount(limit);
    long now = ticker.nanoTime();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.leased()).isEqualTo(InMemoryLedger.LEASE_CALLS * amount - amount);
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, Long.MAX_VALUE, now);
    // The other call fails: its reservation must not reopen anything.
    a.release(amount, now);
    assertThat(a.tryReserve(amount, now)).isEqualTo(0);
    assertThat(a.tryReserve(0, now)).isEqualTo(0);
    assertThat(a.leased()).isZero();
    assertThat(a.used(0, now)).isEqualTo(Window.SATURATED);
    ticker.advance(Duration.ofDays(2));
    assertThat(a.tryReserve(amount, ticker.nanoTime())).as("saturated for good").isEqualTo(0);
  }

  /** The default case: a $10 budget and calls of $0.001 are checked against the windows, as before. */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 8, 16, 64, 128})
  void aTenDollarBudget_leasesNoCallOfATenthOfACent(int processors) {
    ManualTicker ticker = ManualTicker.create();
    InMemoryLedger.Account a = new InMemoryLedger.Account(
        List.of(Budget.hourly(Cost.usd("10")), Budget.daily(Cost.usd("10"))), ticker, null, null, processors);
    long amount = Cost.usd("0.001").nanos();
    long now = ticker.nanoTime();
    for (int i = 0; i < 3; i++) {
      assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
      assertThat(a.leased()).isZero();
      assertThat(a.used(0, now)).isEqualTo(i * (amount / 2) + amount);
      a.commit(amount, amount / 2, now);
    }
  }
}
