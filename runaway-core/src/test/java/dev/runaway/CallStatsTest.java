package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import org.junit.jupiter.api.Test;

final class CallStatsTest {

  @Test
  void stats_countEveryOutcomeAndTheCommittedSpend() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("1"))))
        .ticker(ticker)
        .alertSink(a -> { })
        .build()) {
      guard.call("openai", Cost.usd("0.4"), () -> "ok");
      guard.call("openai", Cost.usd("0.4"), () -> "ok");
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.1"), () -> {
        throw new IOException("boom");
      })).isInstanceOf(IOException.class);
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.5"), () -> "never"))
          .isInstanceOf(BudgetExceededException.class);
      guard.record("openai", Cost.usd("0.05"));
      guard.breaker("openai").forceOpen("test");
      assertThatThrownBy(() -> guard.call("openai", Cost.usd("0.01"), () -> "never"))
          .isInstanceOf(CircuitOpenException.class);

      assertThat(guard.stats("openai")).isEqualTo(new CallStats(3, 1, 1, 1, Cost.usd("0.85")));
    }
  }
}
