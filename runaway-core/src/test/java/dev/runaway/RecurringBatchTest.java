package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A batch job that runs at the same time every day, behind a guard with a budget and nothing else:
 * its breaker opened at the batch every day before recurring bursts were learned (2,383 of the
 * batch's 2,500 calls refused, each day); now on the first two days after the 24 h warm-up only.
 */
final class RecurringBatchTest {

  private static final long MINUTE = 60_000_000_000L;

  /** Eight days of 50 calls a minute, 500 a minute from 02:00 to 02:05; the batch's refused calls per day. */
  private static int[] batchRefusedPerDay(ServicePolicyTweak tweak) {
    ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-01-05T00:00:00Z"));
    int days = 8;
    int[] refused = new int[days];
    try (RunawayGuard guard = RunawayGuard.builder().ticker(ticker).alertSink(a -> { })
        .service("batch", s -> tweak.apply(s.budget(Budget.daily(Cost.usd("100000"))))).build()) {
      for (int minute = 0; minute < days * 1440; minute++) {
        boolean batch = minute % 1440 >= 120 && minute % 1440 < 125;
        int n = batch ? 500 : 50;
        long start = ticker.nanoTime();
        for (int i = 0; i < n; i++) {
          try {
            guard.call("batch", Cost.usd("0.001"), () -> "ok");
          } catch (RunawayException e) {
            if (batch) {
              refused[minute / 1440]++;
            }
          }
          ticker.advanceNanos(MINUTE / n);
        }
        ticker.advanceNanos(MINUTE - (ticker.nanoTime() - start));
      }
    }
    return refused;
  }

  private interface ServicePolicyTweak {
    ServicePolicy.Builder apply(ServicePolicy.Builder b);
  }

  @Test
  void dailyBatch_isRefusedOnItsFirstTwoDaysOnly() {
    int[] refused = batchRefusedPerDay(b -> b);
    assertThat(refused[1] + refused[2]).as("the first two days after warm-up").isPositive();
    for (int d = 3; d < refused.length; d++) {
      assertThat(refused[d]).as("batch calls refused on day " + d).isZero();
    }
  }

  @Test
  void withRecurringBurstsOff_theBatchIsRefusedEveryDay() {
    int[] refused = batchRefusedPerDay(b -> b.recurringBursts(false));
    for (int d = 1; d < refused.length; d++) {
      assertThat(refused[d]).as("batch calls refused on day " + d).isGreaterThan(1_500);
    }
  }
}
