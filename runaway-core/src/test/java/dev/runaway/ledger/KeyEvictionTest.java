package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.ledger.internal.PersistentLedger;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key dropped by the guard (past {@code maxKeys}, idle expiry) or by the garbage collector must
 * not come back with a fresh per-key budget the same day: eviction never refunds.
 */
final class KeyEvictionTest {

  private static final List<Budget> PER_KEY = List.of(Budget.daily(Cost.usd("1")));

  @TempDir
  Path dir;

  private final ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-03-07T08:00:00Z"));

  private static long usd(String s) {
    return Cost.usd(s).nanos();
  }

  @Test
  void ledger_keyAskedForAgain_getsItsSpendBack_inMemory() {
    BudgetLedger ledger = BudgetLedger.inMemory(ticker);
    LedgerAccount first = ledger.account("svc", "tenant", PER_KEY);
    first.record(usd("1"), ticker.nanoTime());
    LedgerAccount again = ledger.account("svc", "tenant", PER_KEY);
    assertThat(again.used(0, ticker.nanoTime())).isEqualTo(usd("1"));
    assertThat(again.tryReserve(usd("0.01"), ticker.nanoTime())).isZero();
  }

  @Test
  void ledger_keyCollectedByTheGc_keepsItsSpend_stateFile() {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try (PersistentLedger ledger = PersistentLedger.open(dir, ticker, scheduler, Duration.ofHours(1))) {
      spendAndForget(ledger);
      assertThat(gcRan()).as("a full GC ran").isTrue();
      LedgerAccount again = ledger.account("svc", "tenant", PER_KEY);
      assertThat(again.used(0, ticker.nanoTime())).isEqualTo(usd("1"));
      assertThat(again.tryReserve(usd("0.01"), ticker.nanoTime())).isZero();
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void ledger_keyCollectedByTheGc_keepsItsSpend_inMemory() {
    BudgetLedger ledger = BudgetLedger.inMemory(ticker);
    spendAndForget(ledger);
    assertThat(gcRan()).as("a full GC ran").isTrue();
    assertThat(ledger.account("svc", "tenant", PER_KEY).used(0, ticker.nanoTime())).isEqualTo(usd("1"));
  }

  private void spendAndForget(BudgetLedger ledger) {
    LedgerAccount a = ledger.account("svc", "tenant", PER_KEY);
    assertThat(a.tryReserve(usd("0.6"), ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(usd("0.6"), usd("0.6"), ticker.nanoTime());
    a.record(usd("0.4"), ticker.nanoTime());
  }

  /** Runs full collections until a weakly held object is gone (bounded). */
  private static boolean gcRan() {
    WeakReference<Object> probe = new WeakReference<>(new Object());
    for (int i = 0; i < 50 && probe.get() != null; i++) {
      System.gc();
    }
    return probe.get() == null;
  }

  @Test
  void guard_keyIdleExpired_staysExhaustedTheSameDay() {
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("svc", s -> s.perKeyBudget(Budget.daily(Cost.usd("1"))).keyIdleExpiry(Duration.ofMinutes(1)))
        .ticker(ticker).alertSink(a -> { }).build()) {
      guard.service("svc").forKey("tenant").call(Cost.usd("1"), () -> "ok");
      ticker.advance(Duration.ofMinutes(10)); // the guard forgets the idle key
      assertThatThrownBy(() -> guard.service("svc").forKey("tenant").call(Cost.usd("0.5"), () -> "must not run"))
          .isInstanceOf(BudgetExceededException.class).hasMessageContaining("tenant");
    }
  }

  /**
   * Invariant under eviction churn with real threads: each key is admitted at most its per-key
   * limit, although the guard keeps only 4 of the 64 keys at a time.
   */
  @Test
  void guard_evictionChurnUnderThreads_neverAdmitsAKeyPastItsLimit() throws Exception {
    int keys = 64;
    int perKeyCalls = 10; // $1 limit / $0.10 per call
    for (int round = 0; round < 5; round++) {
      AtomicIntegerArray admitted = new AtomicIntegerArray(keys);
      try (RunawayGuard guard = RunawayGuard.builder()
          .service("svc", s -> s.perKeyBudget(Budget.daily(Cost.usd("1"))).maxKeys(4))
          .ticker(ticker).alertSink(a -> { }).build()) {
        int threads = 8;
        CountDownLatch start = new CountDownLatch(1);
        Thread[] ts = new Thread[threads];
        for (int t = 0; t < threads; t++) {
          ts[t] = new Thread(() -> {
            try {
              start.await();
            } catch (InterruptedException e) {
              return;
            }
            ThreadLocalRandom random = ThreadLocalRandom.current();
            for (int i = 0; i < 3_000; i++) {
              int k = random.nextInt(keys);
              try {
                guard.service("svc").forKey("k" + k).call(Cost.usd("0.1"), () -> "ok");
                admitted.incrementAndGet(k);
              } catch (BudgetExceededException refused) {
                // expected once the key is spent
              }
            }
          });
          ts[t].start();
        }
        start.countDown();
        for (Thread t : ts) {
          t.join();
        }
      }
      for (int k = 0; k < keys; k++) {
        assertThat(admitted.get(k)).as("calls admitted for key k%d in round %d", k, round)
            .isLessThanOrEqualTo(perKeyCalls);
      }
    }
  }
}
