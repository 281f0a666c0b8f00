package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.testing.Race;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Second review of the threads' leases of a service's budget: all leases together stay within
 * 1/{@value InMemoryLedger#LEASE_SHARE} of each limit on any processor count and under any number
 * of threads.
 */
final class LeasesReviewTest {

  /** $1 an hour (and $2 a day). */
  private static final long LIMIT = Cost.usd("1").nanos();

  private static List<Budget> budgets() {
    return List.of(Budget.hourly(Cost.ofNanos(LIMIT)), Budget.daily(Cost.usd("2")));
  }

  /**
   * The leases' cells are a power of two: on a machine whose processor count is not one, each
   * cell's lease must still be small enough that all of them together stay within the share.
   * Threads with consecutive ids fill every cell with the largest lease a call can take.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 5, 6, 7, 12, 24, 100})
  void allLeasesTogether_stayWithinTheShare_onAnyProcessorCount(int processors) throws Exception {
    ManualTicker ticker = ManualTicker.create();
    InMemoryLedger.Account a = new InMemoryLedger.Account(budgets(), ticker, null, null, processors);
    long now = ticker.nanoTime();
    // The largest amount a lease of 1/processors of the share would be taken for.
    long amount = LIMIT / InMemoryLedger.LEASE_SHARE / processors / InMemoryLedger.LEASE_CALLS;
    int cells = new Leases(processors).stripes();
    for (int i = 0; i < 4 * cells; i++) {
      Thread t = new Thread(() -> {
        assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
        a.release(amount, now);
      });
      t.start();
      t.join();
    }
    assertThat(a.leased()).isLessThanOrEqualTo(LIMIT / InMemoryLedger.LEASE_SHARE);
    assertThat(a.used(0, now)).isLessThanOrEqualTo(LIMIT / InMemoryLedger.LEASE_SHARE);
  }

  /**
   * Threads sharing one cell that find it empty at once each take a lease: the cell must not hold
   * more than one lease's worth afterwards (all leases within the share, as documented).
   */
  @RepeatedTest(20)
  void threadsOnOneCell_neverLeaseMoreThanTheShare() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    // One processor: one cell, shared by every thread.
    InMemoryLedger.Account a = new InMemoryLedger.Account(budgets(), ticker, null, null, 1);
    long now = ticker.nanoTime();
    long amount = LIMIT / InMemoryLedger.LEASE_SHARE / InMemoryLedger.LEASE_CALLS;
    AtomicLong most = new AtomicLong();
    Race.run(8, t -> {
      for (int i = 0; i < 4_000; i++) {
        assertThat(a.tryReserve(amount, now)).isEqualTo(LedgerAccount.ADMITTED);
        a.commit(amount, amount, now);
        most.accumulateAndGet(a.leased(), Math::max);
      }
    });
    assertThat(most.get()).isLessThanOrEqualTo(LIMIT / InMemoryLedger.LEASE_SHARE);
    assertThat(a.used(0, now) - a.spent(0, now)).isLessThanOrEqualTo(LIMIT / InMemoryLedger.LEASE_SHARE);
    a.reclaimLeases();
    assertThat(a.used(0, now)).isEqualTo(a.spent(0, now)).isEqualTo(8 * 4_000 * amount);
  }
}
