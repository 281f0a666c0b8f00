package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.BudgetExceededException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (nu82): a sliding window whose length is not a whole number of its buckets' nanoseconds
 * (61 s in the default 60 buckets; an hour in 7 buckets) lets spend leave the window a few
 * nanoseconds before the window has passed, so one window admits twice its limit.
 */
final class SlidingBucketRoundingReviewTest {

  @Test
  void sixtyOneSecondWindow_neverAdmitsTwiceItsLimitWithinSixtyOneSeconds() {
    ManualTicker ticker = ManualTicker.create();
    Duration window = Duration.ofSeconds(61);
    LedgerAccount acc = BudgetLedger.inMemory(ticker)
        .account("svc", null, List.of(Budget.of(Cost.usd("10"), window)));
    long ten = Cost.usd("10").nanos();
    // The last nanosecond of the window's first bucket (61 s / 60 buckets, as the ledger counts them).
    ticker.advanceNanos(window.toNanos() / 60 - 1);
    long first = ticker.nanoTime();
    assertThat(acc.tryReserve(ten, first)).isEqualTo(LedgerAccount.ADMITTED);
    acc.commit(ten, ten, first);
    // One nanosecond short of 61 s later: the first $10 is still inside this sliding 61 s.
    ticker.advanceNanos(window.toNanos() - 1);
    long second = ticker.nanoTime();
    assertThat(acc.tryReserve(ten, second))
        .as("$10 more, %d ns after $10 was spent, in a budget of $10 per sliding %s", second - first, window)
        .isNotEqualTo(LedgerAccount.ADMITTED);
  }

  @Test
  void hourlyBudgetInSevenBuckets_refusesASecondLimitWithinTheHour() {
    ManualTicker ticker = ManualTicker.create();
    Budget hourly = Budget.hourly(Cost.usd("10")).withBuckets(7);
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.budget(hourly).breakerEnabled(false))
        .ticker(ticker)
        .alertSink(a -> { })
        .build()) {
      ticker.advanceNanos(Duration.ofHours(1).toNanos() / 7 - 1);
      guard.call("llm", Cost.usd("10"), () -> "first $10");
      ticker.advanceNanos(Duration.ofHours(1).toNanos() - 1);
      assertThatThrownBy(() -> guard.call("llm", Cost.usd("10"), () -> "second $10 within the same hour"))
          .isInstanceOf(BudgetExceededException.class);
    }
  }
}
