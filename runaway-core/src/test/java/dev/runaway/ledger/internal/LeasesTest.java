package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.testing.Race;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: a service's account leases budget to its callers' threads, so that two threads on one
 * service do not write the same admission counters on every call. Leases must not change what
 * the budget admits: never past the limit, and a refusal only when the budget itself has no room.
 */
final class LeasesTest extends StateDirFixture {

  /** The budget of these tests: $1 an hour and $2 a day. */
  private static final long LIMIT = Cost.usd("1").nanos();

  private final ManualTicker ticker = ManualTicker.create();
  /** The reading of every call: these tests never move the clock. */
  private final long now = ticker.nanoTime();

  /** A service's account of {@link #budgets()} (one with leases) on {@link #ticker}. */
  private InMemoryLedger.Account account() {
    return new InMemoryLedger.Account(budgets(), ticker);
  }

  private static List<Budget> budgets() {
    return List.of(Budget.hourly(Cost.ofNanos(LIMIT)), Budget.daily(Cost.usd("2")));
  }

  /**
   * An amount small enough that this machine's account leases it (the chunks depend on its
   * processor count): a quarter of the largest amount that takes a lease, and it divides the limit
   * ({@link WithoutLeasesReviewTest} uses it too, with the same limit).
   */
  static long leasedAmount() {
    int stripes = new Leases(Runtime.getRuntime().availableProcessors()).stripes();
    long largest = LIMIT / InMemoryLedger.LEASE_SHARE / stripes / InMemoryLedger.LEASE_CALLS;
    long amount = Math.max(1, largest / 4);
    while (LIMIT % amount != 0) {
      amount--;
    }
    return amount;
  }

  @Test
  void aCallTakesALease_whichIsCountedAsUsed_andGivenBackWhole() {
    InMemoryLedger.Account a = account();
    long amount = leasedAmount();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    long leased = a.leased();
    assertThat(leased).as("the rest of the chunk").isEqualTo((InMemoryLedger.LEASE_CALLS - 1) * amount);
    assertThat(a.used(0, now)).isEqualTo(amount + leased);
    a.commit(amount, amount, now);
    // The next calls come out of the lease: the windows do not move.
    for (int i = 0; i < 10; i++) {
      assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
      a.commit(amount, amount / 2, now);
    }
    assertThat(a.used(0, now)).isEqualTo(amount + leased);
    assertThat(a.spent(0, now)).isEqualTo(amount + 10 * (amount / 2));
    // A release and a cheaper commit go back to the lease.
    a.reclaimLeases();
    assertThat(a.leased()).isZero();
    assertThat(a.used(0, now)).isEqualTo(a.spent(0, now));
    assertThat(a.used(1, now)).isEqualTo(a.spent(1, now));
  }

  /**
   * A snapshot (a state file's save, a status page) reads the windows with every lease given back
   * and none taken during the read: a call on another thread meanwhile reserves in the windows.
   * Given back and then read, a thread could lease again in between, and a state file saved that
   * lease as spend (PersistentLedgerConcurrencyTest: $20.07 saved when $20.00 had been spent, and
   * the next save went down).
   */
  @Test
  void aReadWithoutLeases_seesNoLeaseTakenDuringIt() throws Exception {
    InMemoryLedger.Account a = account();
    long amount = leasedAmount();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, amount, now);
    assertThat(a.leased()).as("this thread's lease").isPositive();
    java.util.concurrent.atomic.AtomicBoolean called = new java.util.concurrent.atomic.AtomicBoolean();
    long[] read = a.withoutLeases(() -> {
      if (!called.getAndSet(true)) {
        try {
          // Another thread's call (its failure fails the test), during the read.
          Race.run(1, t -> {
            assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
            a.commit(amount, amount, now);
          });
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
      return new long[] {a.leased(), a.used(0, now), a.spent(0, now)};
    });
    assertThat(read[0]).as("leases held during the read").isZero();
    assertThat(read[1]).as("used during the read: the two calls' spend").isEqualTo(2 * amount);
    assertThat(read[2]).isEqualTo(2 * amount);
    // After the read, calls lease again.
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.leased()).isPositive();
  }

  @Test
  void aCallAboveTheLeaseSize_isCheckedAgainstTheWindows() {
    InMemoryLedger.Account a = account();
    assertThat(a.tryReserve(LIMIT / 100, now)).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.leased()).isZero();
    assertThat(a.used(0, now)).isEqualTo(LIMIT / 100);
  }

  @Test
  void nearTheLimit_leasesStop_andTheLastCallsAreCheckedOneByOne() {
    InMemoryLedger.Account a = account();
    long amount = leasedAmount();
    a.record(LIMIT - 10 * amount, now);
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.leased()).as("room for 10 calls is too little to lease").isZero();
    a.commit(amount, amount, now);
    int admitted = 1;
    while (a.tryReserve(amount, now) == LedgerAccount.ADMITTED) {
      a.commit(amount, amount, now);
      admitted++;
    }
    assertThat(admitted).isEqualTo(10);
    assertThat(a.spent(0, now)).isEqualTo(LIMIT);
  }

  @Test
  void aRefusal_takesEveryLeaseBackFirst() throws Exception {
    InMemoryLedger.Account a = account();
    long amount = leasedAmount();
    // Another thread leases a chunk and makes one call.
    Race.run(1, t -> {
      assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
      a.commit(amount, amount, now);
    });
    long held = a.leased();
    assertThat(held).isPositive();
    // This thread wants exactly what is left, the other thread's lease included.
    long left = LIMIT - amount;
    assertThat(a.tryReserve(left, now)).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.leased()).isZero();
    a.commit(left, left, now);
    assertThat(a.spent(0, now)).isEqualTo(LIMIT);
    assertThat(a.tryReserve(1, now)).isEqualTo(0);
  }

  @Test
  void aCommitPastTheLimit_takesTheLeasesBack_soTheNextCallIsRefused() {
    InMemoryLedger.Account a = account();
    long amount = leasedAmount();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.leased()).isPositive();
    // A cost extractor reads a usage far above the estimate: the budget is gone.
    a.commit(amount, LIMIT, now);
    assertThat(a.leased()).isZero();
    assertThat(a.tryReserve(amount, now)).as("not admitted from the lease").isEqualTo(0);
  }

  /**
   * Eight threads call until each is refused, with estimates that vary, costs at or below them and
   * some calls failing (released): the budget is never exceeded, and when the last thread is
   * refused there is less room left than its call needed (no headroom stranded in a lease).
   */
  @RepeatedTest(20)
  void threadsRacingForTheLastOfABudget_neverPassIt_andLeaveNoRoomInLeases() throws Exception {
    InMemoryLedger.Account a = account();
    long amount = leasedAmount();
    AtomicLong committed = new AtomicLong();
    Race.run(8, t -> {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      for (;;) {
        long est = 1 + r.nextLong(amount);
        if (a.tryReserve(est, now) != LedgerAccount.ADMITTED) {
          return;
        }
        int outcome = r.nextInt(10);
        if (outcome == 0) {
          a.release(est, now);
        } else {
          long actual = outcome < 5 ? est : r.nextLong(est + 1);
          a.commit(est, actual, now);
          committed.addAndGet(actual);
        }
      }
    });
    long spent = a.spent(0, now);
    assertThat(spent).isEqualTo(committed.get()).isLessThanOrEqualTo(LIMIT).isGreaterThan(LIMIT - amount);
    assertThat(a.leased()).as("the last refusal took every lease back").isZero();
    assertThat(a.used(0, now)).isEqualTo(spent);
    assertThat(a.used(1, now)).isEqualTo(spent);
  }

  @RepeatedTest(10)
  void exactEstimates_admitExactlyTheBudget() throws Exception {
    InMemoryLedger.Account a = account();
    long amount = leasedAmount();
    AtomicLong admitted = new AtomicLong();
    Race.run(8, t -> {
      while (a.tryReserve(amount, now) == LedgerAccount.ADMITTED) {
        a.commit(amount, amount, now);
        admitted.incrementAndGet();
      }
    });
    assertThat(admitted.get()).isEqualTo(LIMIT / amount);
    assertThat(a.used(0, now)).isEqualTo(LIMIT);
  }

  @Test
  void aSnapshot_showsSpendAndCallsInFlight_notTheThreadsLeases() {
    Cost estimate = Cost.ofNanos(leasedAmount());
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.ofNanos(LIMIT))).budget(Budget.daily(Cost.usd("2"))))
        .ticker(ticker).alertSink(alert -> { }).build()) {
      for (int i = 0; i < 5; i++) {
        guard.call("openai", estimate, () -> "ok");
      }
      ServiceSnapshot.WindowSnapshot hour = guard.snapshot("openai").windows().get(0);
      assertThat(hour.spent()).isEqualTo(estimate.times(5));
      assertThat(hour.reserved()).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void theStateFileSavesSpend_notTheThreadsLeases() {
    long amount = leasedAmount();
    PersistentLedger ledger = ledger(ticker);
    LedgerAccount a = ledger.account("openai", null, budgets());
    for (int i = 0; i < 3; i++) {
      assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
      a.commit(amount, amount, now);
    }
    assertThat(a.used(0, now)).as("a lease is held").isGreaterThan(3 * amount);
    ledger.close();
    ManualTicker next = ManualTicker.startingAt(ticker.instant());
    PersistentLedger again = ledger(next);
    LedgerAccount b = again.account("openai", null, budgets());
    assertThat(b.used(0, next.nanoTime())).isEqualTo(3 * amount);
    assertThat(b.spent(0, next.nanoTime())).isEqualTo(3 * amount);
    again.close();
  }
}
