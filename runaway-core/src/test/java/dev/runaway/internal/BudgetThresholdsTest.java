package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class BudgetThresholdsTest {

  private static final long DOLLAR = 1_000_000_000L;

  private static BudgetThresholds tenDollars() {
    return new BudgetThresholds(List.of(Budget.hourly(Cost.usd("10"))));
  }

  @Test
  void crossed_alertsOnceAt80AndOnceAt100() {
    BudgetThresholds t = tenDollars();

    assertThat(t.crossed(0, 7 * DOLLAR)).isZero();
    assertThat(t.crossed(0, 8 * DOLLAR)).isEqualTo(80);
    assertThat(t.crossed(0, 9 * DOLLAR)).isZero();
    assertThat(t.crossed(0, 10 * DOLLAR)).isEqualTo(100);
    assertThat(t.crossed(0, 12 * DOLLAR)).isZero();
  }

  @Test
  void crossed_jumpingPastTheLimitRaisesOnly100() {
    BudgetThresholds t = tenDollars();

    assertThat(t.crossed(0, 11 * DOLLAR)).isEqualTo(100);
    assertThat(t.crossed(0, 8 * DOLLAR)).isZero();
  }

  @Test
  void crossed_reArmsOnlyBelowHalfTheWarningLevel() {
    BudgetThresholds t = tenDollars();
    assertThat(t.crossed(0, 10 * DOLLAR)).isEqualTo(100);

    assertThat(t.crossed(0, 4 * DOLLAR)).as("at 40%: not re-armed yet").isZero();
    assertThat(t.crossed(0, 8 * DOLLAR)).isZero();
    assertThat(t.crossed(0, 4 * DOLLAR - 1)).as("below 40%: re-armed").isZero();
    assertThat(t.crossed(0, 8 * DOLLAR)).isEqualTo(80);
  }

  @Test
  void markExhausted_isTrueOnceAndSuppressesThe100Crossing() {
    BudgetThresholds t = tenDollars();
    assertThat(t.crossed(0, 9 * DOLLAR)).isEqualTo(80);

    assertThat(t.markExhausted(0)).isTrue();
    assertThat(t.markExhausted(0)).isFalse();
    assertThat(t.crossed(0, 10 * DOLLAR)).isZero();
  }

  @Test
  void budgets_areIndependent() {
    BudgetThresholds t = new BudgetThresholds(List.of(Budget.hourly(Cost.usd("10")), Budget.daily(Cost.usd("100"))));

    assertThat(t.size()).isEqualTo(2);
    assertThat(t.limit(1)).isEqualTo(100 * DOLLAR);
    assertThat(t.crossed(0, 8 * DOLLAR)).isEqualTo(80);
    assertThat(t.crossed(1, 8 * DOLLAR)).isZero();
    assertThat(t.crossed(1, 80 * DOLLAR)).isEqualTo(80);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 4, 5, 6, 999_999_999, Long.MAX_VALUE, Long.MAX_VALUE - 1})
  void eightyPercent_isExactAndNeverOverflows(long limit) {
    long expected = java.math.BigInteger.valueOf(limit).multiply(java.math.BigInteger.valueOf(4))
        .divide(java.math.BigInteger.valueOf(5)).longValueExact();

    assertThat(BudgetThresholds.eightyPercent(limit)).isEqualTo(expected);
  }

  @Test
  void crossed_concurrentCallers_exactlyOneRaisesEachLevel() throws InterruptedException {
    for (int round = 0; round < 200; round++) {
      BudgetThresholds t = tenDollars();
      AtomicInteger at80 = new AtomicInteger();
      AtomicInteger at100 = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      Thread[] threads = new Thread[4];
      for (int n = 0; n < threads.length; n++) {
        long used = (n % 2 == 0 ? 8 : 10) * DOLLAR;
        threads[n] = new Thread(() -> {
          try {
            start.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          for (int i = 0; i < 50; i++) {
            int p = t.crossed(0, used);
            if (p == 80) {
              at80.incrementAndGet();
            } else if (p == 100) {
              at100.incrementAndGet();
            }
          }
        });
        threads[n].start();
      }
      start.countDown();
      for (Thread th : threads) {
        th.join();
      }

      // The invariant: one 100% alert per crossing, and an 80% alert never after the 100% one.
      assertThat(at100.get()).isEqualTo(1);
      assertThat(at80.get()).isBetween(0, 1);
    }
  }

  @Test
  void defaultDurationsAreIrrelevant_onlyTheLimitCounts() {
    BudgetThresholds t = new BudgetThresholds(List.of(Budget.of(Cost.usd("5"), Duration.ofMinutes(10))));

    assertThat(t.crossed(0, 4 * DOLLAR)).isEqualTo(80);
  }

  @Test
  void restoreRaised_alertsOnlyAHigherLevel_untilTheBudgetReArms() {
    BudgetThresholds t = tenDollars();
    t.restoreRaised(0, 80);

    assertThat(t.raised(0)).isEqualTo(80);
    assertThat(t.crossed(0, 9 * DOLLAR)).isZero();
    assertThat(t.crossed(0, 10 * DOLLAR)).isEqualTo(100);
    assertThat(t.raised(0)).isEqualTo(100);
    t.restoreRaised(0, 80);
    assertThat(t.raised(0)).as("never lowered").isEqualTo(100);
    assertThat(t.crossed(0, 3 * DOLLAR)).isZero();
    assertThat(t.raised(0)).as("re-armed below 40%").isZero();
    assertThat(t.crossed(0, 8 * DOLLAR)).isEqualTo(80);
  }
}
