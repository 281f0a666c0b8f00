package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Review (nu85) of 0a7d894: {@code ageFloor} maps the file's newest sliding bucket end to the start
 * tick. A bucket end is the end of the bucket, rounded up: for a daily budget (24-minute buckets)
 * the newest end is up to 24 minutes after the write. The floor then ages every saved window by
 * that much, and a window with short buckets (an hourly budget, 1-minute buckets) cannot absorb it
 * in its rounding: a restart on the same boot (a crash loop, or a clean restart) gives back an
 * hourly budget's spend about 22 minutes early, by the ticker and by the wall clock alike.
 */
final class AgeFloorOtherWindowReviewTest extends StateDirFixture {

  private static final Instant EIGHT = Instant.parse("2026-03-02T08:00:00Z");

  private RunawayGuard guard(ManualTicker ticker, PersistentLedger ledger) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).budget(Budget.daily(Cost.usd("100")))
            .breakerEnabled(false))
        .ticker(ticker)
        .ledger(ledger)
        .alertSink(a -> { })
        .build();
  }

  @Test
  void restartOnTheSameBoot_hourlySpendIsNotGivenBackBeforeItsHour() {
    // A machine up for 30 days; 08:00 sharp (the ticker's 24-minute grid starts there).
    ManualTicker ticker = ManualTicker.startingAt(EIGHT.minus(Duration.ofDays(30)));
    ticker.advance(Duration.ofDays(30));
    ticker.advance(Duration.ofSeconds(30));
    try (RunawayGuard guard = guard(ticker, ledger(ticker))) {
      guard.call("llm", Cost.usd("10"), () -> "the hour's budget"); // 08:00:30
      ticker.advance(Duration.ofSeconds(1));
    } // stopped at 08:00:31 (same if it crashed after its last flush)
    ticker.advance(Duration.ofSeconds(9)); // restarted at 08:00:40, same boot, clocks right
    try (RunawayGuard guard = guard(ticker, ledger(ticker))) {
      ticker.advance(Duration.ofMinutes(40)); // 08:40:40: the $10 of 08:00:30 is 40 minutes old
      assertThatThrownBy(() -> guard.call("llm", Cost.usd("1"), () -> "ok"))
          .as("$1 at 08:40:40 on an hourly $10 budget whose $10 was spent at 08:00:30")
          .isInstanceOf(BudgetExceededException.class);
    }
  }
}
