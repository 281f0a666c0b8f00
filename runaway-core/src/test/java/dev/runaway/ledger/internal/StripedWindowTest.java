package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.stats.internal.StripedCounter;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Issue 19: a service's windows keep spend in per-thread stripes; nothing is lost, counted twice or released early. */
final class StripedWindowTest {

  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @Test
  void stripedWindow_spendOfEveryStripeLeavesWithItsBucket() throws Exception {
    StripedCounter spend = new StripedCounter(4);
    SlidingWindow w = new SlidingWindow(1_000_000, Duration.ofMinutes(60).toNanos(), 60, spend, PaddedLong.single());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      // Four threads (four stripes, by thread id) each commit 10 in minute 0.
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          assertThat(w.tryAcquire(10, 0)).isTrue();
          w.roll(0);
          spend.add(10);
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(w.spent(0)).isEqualTo(40);
    assertThat(w.nanosUntilRoom(1_000_000 - 40, 0)).isZero();
    assertThat(w.nanosUntilRoom(1_000_000 - 39, 0)).isEqualTo(61 * MINUTE);
    // Held for the whole window: the bucket of minute 0 leaves at the start of minute 61.
    assertThat(w.nanosUntilRoom(1_000_000, 0)).isEqualTo(61 * MINUTE);
    w.roll(61 * MINUTE - 1);
    assertThat(w.used.get()).isEqualTo(40);
    w.roll(61 * MINUTE);
    assertThat(w.used.get()).isZero();
    assertThat(w.spent(61 * MINUTE)).isZero();
  }

  @RepeatedTest(10)
  void serviceAccount_threadsAndRollOversKeepUsedEqualToTheBuckets() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    // A service's account (no pins): padded counters and striped buckets.
    InMemoryLedger.Account account = new InMemoryLedger.Account(
        List.of(Budget.hourly(Cost.usd("1000")), Budget.daily(Cost.usd("1000"))), ticker);
    int threads = 4;
    int calls = 20_000;
    AtomicLong clock = new AtomicLong();
    AtomicLong admitted = new AtomicLong();
    Race.run(threads + 1, t -> {
      if (t < threads) {
        for (int i = 0; i < calls; i++) {
          long now = clock.get();
          if (account.tryReserve(1_000, now) == LedgerAccount.ADMITTED) {
            account.commit(1_000, 1_000, now);
            admitted.incrementAndGet();
          }
        }
      } else {
        // Time moves on meanwhile: buckets roll over while stripes are being added to.
        for (int i = 0; i < 90; i++) {
          clock.addAndGet(MINUTE / 2);
          account.used(0, clock.get());
          Thread.yield();
        }
      }
    });
    long now = clock.get();
    // The threads' leases are headroom set aside, not spend (they were left empty only when each
    // cell's calls were a multiple of a lease's): given back, nothing else is left.
    account.reclaimLeases();
    // No reservation is outstanding: each window's counter is exactly the spend its buckets hold.
    for (int b = 0; b < 2; b++) {
      assertThat(account.used(b, now)).isEqualTo(account.spent(b, now));
    }
    // The daily window still holds every call (spend never leaves early); a day later, nothing.
    assertThat(account.used(1, now)).isEqualTo(admitted.get() * 1_000);
    long later = now + Duration.ofDays(1).plusMinutes(30).toNanos();
    assertThat(account.used(0, later)).isZero();
    assertThat(account.used(1, later)).isZero();
  }
}
