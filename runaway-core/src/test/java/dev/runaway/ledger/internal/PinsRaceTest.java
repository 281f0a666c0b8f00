package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * The hand-off between the hot path (spend enters a key's account) and the sweep (an empty
 * account is let go) never leaves an account that holds spend unpinned, where the garbage
 * collector could take it and refund the key.
 */
final class PinsRaceTest {

  @Test
  void reserveRacingSweep_anAccountHoldingSpendIsAlwaysPinned() throws Exception {
    ManualTicker ticker = ManualTicker.create();
    Pins pins = new Pins();
    int iterations = 20_000;
    CyclicBarrier barrier = new CyclicBarrier(2);
    InMemoryLedger.Account[] current = new InMemoryLedger.Account[1];
    Thread sweeper = new Thread(() -> {
      try {
        for (int i = 0; i < iterations; i++) {
          barrier.await();
          pins.sweep(ticker.nanoTime());
          barrier.await();
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    sweeper.start();
    long amount = Cost.usd("0.01").nanos();
    for (int i = 0; i < iterations; i++) {
      InMemoryLedger.Account a = new InMemoryLedger.Account(List.of(Budget.hourly(Cost.usd("1"))), ticker, null, pins);
      current[0] = a;
      // Pinned and empty: the sweep wants to let it go while this thread reserves.
      pins.pin(a);
      barrier.await();
      assertThat(a.tryReserve(amount, ticker.nanoTime())).isEqualTo(-1);
      barrier.await();
      assertThat(a.pinned).as("iteration %d: an account holding a reservation is pinned", i).isTrue();
      pins.sweep(ticker.nanoTime());
      assertThat(a.pinned).isTrue();
      a.release(amount, ticker.nanoTime());
      pins.sweep(ticker.nanoTime());
      assertThat(a.pinned).as("an empty account is let go").isFalse();
    }
    sweeper.join();
    assertThat(pins.size()).isZero();
  }
}
