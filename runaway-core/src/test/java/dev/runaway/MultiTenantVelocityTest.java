package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.testing.DelegatingAccount;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The budget-velocity rule of a service with per-key budgets (new-user trial nu28): one tenant's
 * loop that its own per-key budget bounds far below what the service has left must be stopped by
 * that budget, not by opening the service's breaker for every tenant; loops that together do
 * threaten the service's budget still open it.
 */
final class MultiTenantVelocityTest {

  private static final Cost CALL = Cost.usd("0.0075");

  private static RunawayGuard guard(ManualTicker ticker) {
    return guard(ticker, BudgetLedger.inMemory(ticker));
  }

  private static RunawayGuard guard(ManualTicker ticker, BudgetLedger ledger) {
    return RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("3"))).perKeyBudget(Budget.hourly(Cost.usd("1"))))
        .ticker(ticker).ledger(ledger).alertSink(a -> { }).build();
  }

  /**
   * A ledger of another kind (here the in-memory one behind a wrapper): the guard counts a key's
   * recent spend itself instead of reading it from the built-in ledger's account.
   */
  private static BudgetLedger wrapped(BudgetLedger inner) {
    return (service, key, budgets) -> new DelegatingAccount(inner.account(service, key, budgets));
  }

  /** Calls as {@code key}, counting refusals instead of throwing; returns whether it was admitted. */
  private static boolean tryCall(RunawayGuard guard, String key) {
    try {
      guard.service("openai").forKey(key).call(CALL, () -> 1);
      return true;
    } catch (RunawayException refused) {
      return false;
    }
  }

  /**
   * On main the service breaker opened (BUDGET) after the loop's 35th call ($0.28 of its $1), and
   * the other tenants were refused for as long as it looped.
   */
  @Test
  void velocity_oneTenantLoopBoundedByItsKeyBudget_isStoppedByThatBudget_othersServed() {
    ManualTicker ticker = ManualTicker.create();
    oneTenantLoop(ticker, guard(ticker));
  }

  /** The same with a ledger that is not the built-in one (issue 19: the key's recent spend is counted apart). */
  @Test
  void velocity_oneTenantLoop_anotherLedger_sameOutcome() {
    ManualTicker ticker = ManualTicker.create();
    oneTenantLoop(ticker, guard(ticker, wrapped(BudgetLedger.inMemory(ticker))));
  }

  private static void oneTenantLoop(ManualTicker ticker, RunawayGuard guard) {
    int othersServed = 0;
    int othersCalls = 0;
    int loopAdmitted = 0;
    // 5 minutes: the loop calls 20 times a second, two tenants once every 10 s each.
    for (int ms = 0; ms < 300_000; ms += 50) {
      if (tryCall(guard, "tenant-loop")) {
        loopAdmitted++;
      }
      if (ms % 10_000 == 0) {
        for (String k : new String[] {"tenant-a", "tenant-b"}) {
          othersCalls++;
          othersServed += tryCall(guard, k) ? 1 : 0;
        }
      }
      ticker.advance(Duration.ofMillis(50));
    }
    assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(othersServed).as("calls of the other tenants served").isEqualTo(othersCalls);
    // The loop is stopped by its own budget: $1 / $0.0075 = 133 calls.
    assertThat(loopAdmitted).isEqualTo(133);
    assertThat(guard.snapshot("openai", "tenant-loop").windows().get(0).spent()).isEqualTo(CALL.times(133));
    guard.close();
  }

  /** Four tenants looping together can spend the service's $3 within minutes: the rule still trips. */
  @Test
  void velocity_severalTenantLoopsThatTogetherThreatenTheServiceBudget_stillOpenTheBreaker() {
    ManualTicker ticker = ManualTicker.create();
    RunawayGuard guard = guard(ticker);
    for (int ms = 0; ms < 120_000 && guard.breaker("openai").state() == CircuitBreaker.State.CLOSED; ms += 50) {
      for (int t = 0; t < 4; t++) {
        tryCall(guard, "loop-" + t);
      }
      ticker.advance(Duration.ofMillis(50));
    }
    assertThat(guard.breaker("openai").state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(guard.breaker("openai").tripReason()).contains(TripReason.BUDGET);
    assertThat(guard.snapshot("openai").windows().get(0).spent()).isLessThan(Cost.usd("3"));
    guard.close();
  }

  /**
   * Real threads, 40 tenants looping against per-key budgets that together exceed the service's:
   * whatever the rule decides, the service never spends past its limit and its spend is the sum
   * of the tenants' (the rule reads the keys' recent spend while other threads commit to it).
   */
  @Test
  void velocity_manyThreadsManyKeys_serviceSpendIsTheKeysSumAndWithinItsLimit() throws Exception {
    for (int round = 0; round < 20; round++) {
      ManualTicker ticker = ManualTicker.create();
      RunawayGuard guard = RunawayGuard.builder()
          .service("openai", s -> s.budget(Budget.hourly(Cost.usd("3"))).perKeyBudget(Budget.hourly(Cost.usd("0.2"))))
          .ticker(ticker).alertSink(a -> { }).build();
      int threads = 8;
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
      java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
      java.util.concurrent.atomic.AtomicLong admitted = new java.util.concurrent.atomic.AtomicLong();
      java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int i = 0; i < 1_000; i++) {
            if (tryCall(guard, "tenant-" + ((i * 7 + id) % 40))) {
              admitted.incrementAndGet();
            }
            if (id == 0 && i % 50 == 0) {
              ticker.advance(Duration.ofSeconds(1));
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      Cost service = guard.snapshot("openai").windows().get(0).spent();
      Cost keys = Cost.ZERO;
      for (int k = 0; k < 40; k++) {
        keys = keys.plus(guard.snapshot("openai", "tenant-" + k).windows().get(0).spent());
      }
      assertThat(service).isEqualTo(CALL.times(admitted.get())).isEqualTo(keys).isLessThanOrEqualTo(Cost.usd("3"));
      guard.close();
    }
  }
}
