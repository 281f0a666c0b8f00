package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 19: a guard bound to a key holds the key's state; calls through it skip the lookup and stay correct. */
final class BoundKeyGuardTest {

  private final ManualTicker ticker = ManualTicker.create();

  private RunawayGuard guard(long maxKeys) {
    return RunawayGuard.builder()
        .service("svc", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("100")))
            .perKeyBudget(Budget.daily(Cost.usd("1"))).maxKeys(maxKeys).keyIdleExpiry(Duration.ofMinutes(1)))
        .ticker(ticker)
        .alertSink(a -> { })
        .build();
  }

  @Test
  void forKey_returnsTheSameGuardForTheSameKeyAndServiceReturnsOnePerService() {
    RunawayGuard guard = guard(100);
    assertThat(guard.service("svc")).isSameAs(guard.service("svc"));
    ServiceGuard a = guard.service("svc").forKey("a");
    assertThat(guard.service("svc").forKey("a")).isSameAs(a);
    assertThat(guard.service("svc").forKey("b")).isNotSameAs(a);
    assertThat(a.key()).isEqualTo("a");
  }

  @Test
  void heldGuard_keepsItsKeyAliveWhileItIsUsed() {
    RunawayGuard guard = guard(100);
    ServiceGuard held = guard.service("svc").forKey("a");
    // Five minutes of calls every 10 s, against an idle expiry of one minute.
    for (int i = 0; i < 30; i++) {
      held.call(Cost.usd("0.01"), () -> "ok");
      ticker.advance(Duration.ofSeconds(10));
    }
    assertThat(guard.trackedKeys("svc")).isEqualTo(1);
    assertThat(guard.service("svc").forKey("a")).isSameAs(held);
    assertThat(held.snapshot().windows().get(0).spent()).isEqualTo(Cost.usd("0.30"));
  }

  @Test
  void heldGuard_ofAnEvictedKeyStillChargesTheKeysBudget() {
    RunawayGuard guard = guard(1);
    ServiceGuard a = guard.service("svc").forKey("a");
    a.call(Cost.usd("0.60"), () -> "ok");
    // Another key takes the only place: "a" is evicted (its spend is kept by the ledger).
    guard.service("svc").forKey("b").call(Cost.usd("0.10"), () -> "ok");
    guard.trackedKeys("svc");

    // The held guard finds the key's state again: the key's $1 a day still holds.
    assertThatThrownBy(() -> a.call(Cost.usd("0.50"), () -> "too much"))
        .isInstanceOf(BudgetExceededException.class)
        .hasMessageContaining("'a'");
    assertThat(a.call(Cost.usd("0.40"), () -> "fits")).isEqualTo("fits");
    assertThat(guard.snapshot("svc").windows().get(0).spent()).isEqualTo(Cost.usd("1.10"));
  }

  @Test
  void idleKey_isStillLetGoWhenNoGuardUsesIt() {
    RunawayGuard guard = guard(100);
    guard.service("svc").forKey("a").call(Cost.usd("0.01"), () -> "ok");
    ticker.advance(Duration.ofMinutes(2));
    assertThat(guard.trackedKeys("svc")).isZero();
  }
}
