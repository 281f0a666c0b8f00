package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.ServicePolicy;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.RepeatedTest;

/** The budget invariant under real threads: never more admitted than the documented bound. */
final class LedgerConcurrencyTest {

  private static final int THREADS = 8;
  private static final int CALLS = 5_000;

  /**
   * A guard on a manual clock with one service "svc" of this policy, without the budget-velocity
   * rule: these tests measure the budget's exactness under contention, and the rule would open the
   * breaker on their tight loops first.
   */
  private static RunawayGuard guard(Consumer<ServicePolicy.Builder> policy) {
    return RunawayGuard.builder().service("svc", s -> policy.accept(s.budgetHorizon(Duration.ZERO)))
        .ticker(ManualTicker.create()).alertSink(a -> { }).build();
  }

  private static long run(RunawayGuard guard, Cost estimate, Cost actual, AtomicLong admitted) throws Exception {
    Race.run(THREADS, t -> {
      for (int i = 0; i < CALLS; i++) {
        try {
          guard.call("svc", estimate, () -> actual);
          admitted.incrementAndGet();
        } catch (BudgetExceededException refused) {
          // expected once the budget is gone
        }
      }
    });
    return admitted.get();
  }

  @RepeatedTest(20)
  void exactEstimates_admitExactlyTheBudget() throws Exception {
    RunawayGuard guard = guard(s -> s.budget(Budget.hourly(Cost.usd("10"))).budget(Budget.daily(Cost.usd("100"))));
    long admitted = run(guard, Cost.usd("0.001"), null, new AtomicLong());
    assertThat(admitted).isEqualTo(10_000);
    assertThat(guard.snapshot("svc").windows().get(0).spent()).isEqualTo(Cost.usd("10"));
    assertThat(guard.snapshot("svc").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
  }

  @RepeatedTest(20)
  void underEstimates_overshootStaysWithinTheInFlightBound() throws Exception {
    Cost estimate = Cost.usd("0.001");
    Cost actual = Cost.usd("0.0015");
    RunawayGuard guard = guard(s -> s.budget(Budget.hourly(Cost.usd("10"))).costExtractor(r -> (Cost) r));
    run(guard, estimate, actual, new AtomicLong());
    Cost spent = guard.snapshot("svc").windows().get(0).spent();
    // Documented bound: limit + sum over calls in flight of (actual - estimate); at most THREADS in flight.
    Cost bound = Cost.usd("10").plus(actual.minus(estimate).times(THREADS));
    assertThat(spent).isLessThanOrEqualTo(bound);
    // And the budget was really used: no spurious refusals far below it.
    assertThat(spent).isGreaterThan(Cost.usd("9.99"));
  }

  @RepeatedTest(5)
  void perKeyAndServiceBudgets_holdTogetherUnderContention() throws Exception {
    RunawayGuard guard = guard(s -> s.budget(Budget.hourly(Cost.usd("4"))).perKeyBudget(Budget.hourly(Cost.usd("1"))));
    AtomicLong admitted = new AtomicLong();
    Race.run(THREADS, t -> {
      String key = "tenant-" + (t % 6);
      for (int i = 0; i < 2_000; i++) {
        try {
          guard.service("svc").forKey(key).call(Cost.usd("0.001"), () -> 1);
          admitted.incrementAndGet();
        } catch (BudgetExceededException refused) {
          // expected
        }
      }
    });
    // 6 keys x $1 = $6 of demand against a $4 service budget: exactly $4 admitted, no key above $1.
    assertThat(admitted.get()).isEqualTo(4_000);
    for (int k = 0; k < 6; k++) {
      assertThat(guard.service("svc").forKey("tenant-" + k).snapshot().windows().get(0).spent())
          .isLessThanOrEqualTo(Cost.usd("1"));
    }
  }
}
