package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.testing.Race;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * Second review of HoldsLeases.withoutLeases. The first two tests: a call's release or refund
 * during the read still puts headroom into a lease (Leases.put is not gated by the reclaim: it is
 * on every cheaper-than-estimated commit's path), which the read counted as used and a state file
 * saved as spend; the read now runs again when a take-back after it finds a lease (they failed
 * with a single read). The others check that the reclaim neither deadlocks (nested, with refusal
 * paths) nor refuses calls that fit.
 */
final class WithoutLeasesReviewTest {

  private static final long LIMIT = Cost.usd("1").nanos();
  private final ManualTicker ticker = ManualTicker.create();
  private final long now = ticker.nanoTime();

  private InMemoryLedger.Account account() {
    return new InMemoryLedger.Account(
        List.of(Budget.hourly(Cost.ofNanos(LIMIT)), Budget.daily(Cost.usd("2"))), ticker);
  }

  /** Runs {@code call} on another thread and waits for it (its failure fails the test). */
  private static void onAnotherThread(Race.Body call) {
    try {
      Race.run(1, call);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /**
   * Reads, without leases, what the windows count beyond spend (saved as spend by export), with
   * {@code meanwhile} run during the first read (a read may run more than once).
   */
  private long[] readDuring(InMemoryLedger.Account a, Runnable meanwhile) {
    AtomicInteger reads = new AtomicInteger();
    return a.withoutLeases(() -> {
      if (reads.getAndIncrement() == 0) {
        meanwhile.run();
      }
      return new long[] {a.leased(), a.used(0, now) - a.spent(0, now)};
    });
  }

  @Test
  void aReleaseDuringTheRead_isNotCountedAsUsed() {
    InMemoryLedger.Account a = account();
    long amount = LeasesTest.leasedAmount();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, amount, now);
    long[] read = readDuring(a, () -> onAnotherThread(t -> {
      assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
      a.release(amount, now); // a failed call: nothing spent, nothing in flight
    }));
    assertThat(read[0]).as("leases held during the read").isZero();
    assertThat(read[1]).as("used beyond spend during the read (no call in flight)").isZero();
  }

  @Test
  void aRefundDuringTheRead_isNotCountedAsUsed() {
    InMemoryLedger.Account a = account();
    long amount = LeasesTest.leasedAmount();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(amount, amount, now);
    long[] read = readDuring(a, () -> onAnotherThread(t -> {
      for (int i = 0; i < 10; i++) {
        assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
        a.commit(amount, amount / 4, now); // cost below the estimate
      }
    }));
    assertThat(read[0]).as("leases held during the read").isZero();
    assertThat(read[1]).as("used beyond spend during the read (no call in flight)").isZero();
  }

  @Test
  void nestedReads_andReadsThatAskForRoom_complete() {
    InMemoryLedger.Account a = account();
    long amount = LeasesTest.leasedAmount();
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    long wait = a.withoutLeases(() -> a.withoutLeases(() -> a.nanosUntilRoom(0, 1, now)));
    assertThat(wait).isZero();
    // The reclaims ended: this thread leases again.
    a.commit(amount, amount, now);
    assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.leased()).isPositive();
  }

  /**
   * Threads spend the budget to its last call with exact estimates while another thread reads
   * without leases in a loop: every call that fits is admitted (a reclaim and refusal paths at
   * once refuse none), no thread hangs, and no read sees more than spend and calls in flight.
   */
  @RepeatedTest(20)
  void readsWithoutLeases_whileThreadsSpendTheBudget_refuseNothingThatFits() throws Exception {
    InMemoryLedger.Account a = account();
    long amount = LeasesTest.leasedAmount();
    int spenders = 4;
    AtomicLong admitted = new AtomicLong();
    AtomicLong reads = new AtomicLong();
    AtomicLong worst = new AtomicLong();
    AtomicInteger finished = new AtomicInteger();
    Race.run(spenders + 1, t -> {
      if (t == spenders) {
        while (finished.get() < spenders) {
          // At most one call in flight per spender during the read.
          long beyond = a.withoutLeases(() -> a.used(0, now) - a.spent(0, now));
          worst.accumulateAndGet(beyond, Math::max);
          reads.incrementAndGet();
        }
        return;
      }
      try {
        while (reads.get() == 0) {
          Thread.onSpinWait(); // the reader has started: the spend overlaps reads
        }
        while (a.tryReserve(amount, now) == LedgerAccount.ADMITTED) {
          a.commit(amount, amount, now);
          admitted.incrementAndGet();
        }
      } finally {
        finished.incrementAndGet();
      }
    });
    assertThat(admitted.get()).isEqualTo(LIMIT / amount);
    assertThat(reads.get()).isPositive();
    assertThat(worst.get()).as("used beyond spend in a read").isLessThanOrEqualTo(spenders * amount);
  }
}
