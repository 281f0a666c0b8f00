package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.internal.ServiceRuntime;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class PerKeyTest {

  private final ManualTicker ticker = ManualTicker.create();

  @Test
  void forKey_tenantsAreIsolated() {
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.daily(Cost.usd("100"))).perKeyBudget(Budget.daily(Cost.usd("5"))))
        .ticker(ticker).alertSink(a -> { }).build();
    ServiceGuard loop = guard.service("openai").forKey("tenant-loop");
    for (int i = 0; i < 5; i++) {
      loop.call(Cost.usd("1"), () -> 1);
    }
    BudgetExceededException e = org.junit.jupiter.api.Assertions.assertThrows(BudgetExceededException.class,
        () -> loop.call(Cost.usd("1"), () -> 1));
    assertThat(e.key()).isEqualTo("tenant-loop");
    assertThat(e.getMessage()).contains("for key 'tenant-loop'", "daily budget");
    // Everyone else carries on.
    assertThat(guard.service("openai").forKey("tenant-ok").call(Cost.usd("1"), () -> "fine")).isEqualTo("fine");
    assertThat(guard.call("openai", Cost.usd("1"), () -> "fine")).isEqualTo("fine");
    assertThat(guard.snapshot("openai").windows().get(0).spent()).isEqualTo(Cost.usd("7"));
  }

  @Test
  void forKey_rejectsBlankKeys() {
    RunawayGuard guard = RunawayGuard.builder().service("openai", s -> { }).ticker(ticker).alertSink(a -> { }).build();
    assertThatThrownBy(() -> guard.service("openai").forKey(" ")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void millionDistinctKeys_stayWithinTheKeyCap() throws Exception {
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.perKeyBudget(Budget.daily(Cost.usd("5"))).maxKeys(10_000))
        .ticker(ticker).alertSink(a -> { }).build();
    ServiceGuard svc = guard.service("openai");
    for (int i = 0; i < 1_000_000; i++) {
      svc.forKey("k" + i).call(Cost.usd("0.000001"), () -> 1);
    }
    ServiceRuntime rt = guard.runtime("openai");
    assertThat(rt.keyCount()).isLessThanOrEqualTo(10_000);
  }

  @Test
  void idleKeys_expireOnceTheirSpendHasLeftTheWindow() throws Exception {
    RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.perKeyBudget(Budget.hourly(Cost.usd("1"))))
        .ticker(ticker).alertSink(a -> { }).build();
    guard.service("openai").forKey("a").call(Cost.usd("1"), () -> 1);
    ticker.advance(Duration.ofMinutes(30));
    assertThatThrownBy(() -> guard.service("openai").forKey("a").call(Cost.usd("0.5"), () -> 1))
        .isInstanceOf(BudgetExceededException.class);
    ServiceRuntime rt = guard.runtime("openai");
    assertThat(rt.keyCount()).isEqualTo(1);
    ticker.advance(Duration.ofHours(2));
    assertThat(rt.keyCount()).isZero();
  }
}
