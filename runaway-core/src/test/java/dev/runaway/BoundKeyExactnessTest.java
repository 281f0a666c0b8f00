package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.testing.Race;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The exact-budget guarantee on the per-key hot path: calls through {@link ServiceGuard}s bound to
 * a key once and shared by several threads (the path that skips the key lookup), and the undo of
 * the service's reservation and permission when the key's budget or the service's breaker refuses.
 */
final class BoundKeyExactnessTest {

  private static final int THREADS = 6;
  private static final int KEYS = 3;

  private static RunawayGuard guard(Cost serviceLimit, Cost keyLimit) {
    return RunawayGuard.builder()
        .service("svc", s -> s.budgetHorizon(Duration.ZERO)
            .budget(Budget.hourly(serviceLimit)).budget(Budget.daily(serviceLimit))
            .perKeyBudget(Budget.daily(keyLimit)))
        .ticker(ManualTicker.create()).alertSink(a -> { }).build();
  }

  @RepeatedTest(10)
  void boundKeyGuards_sharedByThreads_admitExactlyEachKeysBudget() throws Exception {
    // $3 of key budgets against a $10 service budget: each key's $1 binds, exactly 1,000 calls each.
    RunawayGuard guard = guard(Cost.usd("10"), Cost.usd("1"));
    ServiceGuard[] bound = new ServiceGuard[KEYS];
    for (int k = 0; k < KEYS; k++) {
      bound[k] = guard.service("svc").forKey("tenant-" + k);
    }
    AtomicLongArray admitted = new AtomicLongArray(KEYS);
    Race.run(THREADS, t -> {
      int k = t % KEYS;
      for (int i = 0; i < 1_500; i++) {
        try {
          bound[k].call(Cost.usd("0.001"), () -> 1);
          admitted.incrementAndGet(k);
        } catch (BudgetExceededException refused) {
          // expected once the key's budget is gone
        }
      }
    });
    for (int k = 0; k < KEYS; k++) {
      assertThat(admitted.get(k)).as("calls admitted for tenant-%d", k).isEqualTo(1_000);
      ServiceSnapshot.WindowSnapshot w = bound[k].snapshot().windows().get(0);
      assertThat(w.spent()).isEqualTo(Cost.usd("1"));
      assertThat(w.reserved()).isEqualTo(Cost.ZERO);
    }
    // The keys' refusals gave back the service's reservations: the service holds exactly their spend.
    for (ServiceSnapshot.WindowSnapshot w : guard.snapshot("svc").windows()) {
      assertThat(w.spent()).isEqualTo(Cost.usd("3"));
      assertThat(w.reserved()).isEqualTo(Cost.ZERO);
    }
  }

  @Test
  void keyBudgetRefusal_releasesTheServicesReservation() {
    RunawayGuard guard = guard(Cost.usd("10"), Cost.usd("0.002"));
    ServiceGuard key = guard.service("svc").forKey("tenant");
    key.call(Cost.usd("0.002"), () -> 1);

    assertThatThrownBy(() -> key.call(Cost.usd("0.001"), () -> 1)).isInstanceOf(BudgetExceededException.class);

    for (ServiceSnapshot.WindowSnapshot w : guard.snapshot("svc").windows()) {
      assertThat(w.spent()).isEqualTo(Cost.usd("0.002"));
      assertThat(w.reserved()).isEqualTo(Cost.ZERO);
    }
    assertThat(guard.stats("svc").refusedByBudget()).isEqualTo(1);
  }

  @Test
  void serviceBreakerRefusal_ofABoundKeyReservesNothing() {
    RunawayGuard guard = guard(Cost.usd("10"), Cost.usd("1"));
    ServiceGuard key = guard.service("svc").forKey("tenant");
    key.call(Cost.usd("0.001"), () -> 1);
    guard.breaker("svc").forceOpen("test");

    assertThatThrownBy(() -> key.call(Cost.usd("0.001"), () -> 1)).isInstanceOf(CircuitOpenException.class);

    assertThat(key.snapshot().windows().get(0).spent()).isEqualTo(Cost.usd("0.001"));
    assertThat(key.snapshot().windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    assertThat(guard.snapshot("svc").windows().get(0).reserved()).isEqualTo(Cost.ZERO);
    assertThat(guard.stats("svc").refusedByBreaker()).isEqualTo(1);
  }
}
