package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Review (nu82): a wall clock stepped forward (an NTP correction; the monotonic clock does not
 * move) between two lives of a guard on one state folder refunds the sliding windows' spend,
 * although the same step leaves a running guard's budget as it was, and the state file's open
 * breakers are kept through the very same step (BreakerPersistenceTest
 * .wallClockSteppedForwards_doesNotShortenTheRest).
 */
final class WallClockStepRestoreReviewTest extends StateDirFixture {

  private RunawayGuard guard(ManualTicker ticker) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).breakerEnabled(false))
        .ticker(ticker)
        .ledger(ledger(ticker))
        .alertSink(a -> { })
        .build();
  }

  @Test
  void runningGuard_keepsItsSpendThroughAForwardWallClockStep() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.call("llm", Cost.usd("10"), () -> "spends the hour's budget");
      ticker.advance(Duration.ofMinutes(1));
      ticker.setInstant(ticker.instant().plus(Duration.ofHours(2)));
      assertThatThrownBy(() -> guard.call("llm", Cost.usd("10"), () -> "no"))
          .isInstanceOf(BudgetExceededException.class);
    }
  }

  @Test
  void restartAfterAForwardWallClockStep_keepsTheSpendOfTheHour() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = guard(ticker)) {
      guard.call("llm", Cost.usd("10"), () -> "spends the hour's budget");
    }
    // One minute later, on the same machine (same monotonic clock), the wall clock is stepped.
    ticker.advance(Duration.ofMinutes(1));
    ticker.setInstant(ticker.instant().plus(Duration.ofHours(2)));
    try (RunawayGuard guard = guard(ticker)) {
      assertThat(guard.snapshot("llm").windows().get(0).spent())
          .as("hourly spend restored one monotonic minute after it was made")
          .isEqualTo(Cost.usd("10"));
      assertThatThrownBy(() -> guard.call("llm", Cost.usd("10"), () -> "a second $10 in the same hour"))
          .isInstanceOf(BudgetExceededException.class);
    }
  }

  @Test
  void forwardWallClockStepWhileRunning_refundsAKeyRestoredAfterIt() {
    ManualTicker ticker = ManualTicker.create();
    try (RunawayGuard guard = keyGuard(ticker)) {
      guard.service("llm").forKey("tenant").call(Cost.usd("2"), () -> "spends the key's hour");
    }
    ticker.advance(Duration.ofMinutes(1));
    try (RunawayGuard guard = keyGuard(ticker)) {
      // Restarted a minute later, without a step; the key has not called yet when NTP steps the clock.
      ticker.setInstant(ticker.instant().plus(Duration.ofHours(2)));
      assertThatThrownBy(() -> guard.service("llm").forKey("tenant").call(Cost.usd("2"), () -> "again"))
          .as("the key's $2, spent two monotonic minutes ago, is still in its hour")
          .isInstanceOf(BudgetExceededException.class);
    }
  }

  private RunawayGuard keyGuard(ManualTicker ticker) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("100"))).perKeyBudget(Budget.hourly(Cost.usd("2")))
            .breakerEnabled(false))
        .ticker(ticker)
        .ledger(ledger(ticker))
        .alertSink(a -> { })
        .build();
  }
}
