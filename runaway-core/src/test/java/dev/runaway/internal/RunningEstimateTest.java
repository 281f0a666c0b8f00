package dev.runaway.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.ServicePolicy;
import dev.runaway.ledger.BudgetLedger;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The running estimate follows real costs from above: near a high quantile, not the mean. */
final class RunningEstimateTest {

  private static ServiceRuntime runtime(ManualTicker ticker) {
    ServicePolicy policy = ServicePolicy.builder().budget(Budget.daily(Cost.usd("1000000")))
        .costExtractor(r -> (Cost) r).build();
    return new ServiceRuntime("llm", policy, ticker, BudgetLedger.inMemory(ticker), new AlertSink() {
      @Override
      public void accept(dev.runaway.alert.Alert alert) {}

      @Override
      public void close() {}
    });
  }

  @Test
  void unknownUntilTheFirstRealCost_thenThatCost() {
    ServiceRuntime rt = runtime(ManualTicker.create());
    assertThat(rt.estimate()).isEqualTo(ServiceRuntime.UNKNOWN);
    rt.call(null, rt.estimate(), () -> Cost.usd("0.26"));
    assertThat(rt.estimate()).isEqualTo(Cost.usd("0.26").nanos());
  }

  @Test
  void learnsFast_notASlowMean() {
    ServiceRuntime rt = runtime(ManualTicker.create());
    rt.call(null, rt.estimate(), () -> Cost.usd("0.01"));
    // Costs jump to $0.26 (a longer prompt): within four calls the estimate is most of the way.
    for (int i = 0; i < 4; i++) {
      rt.call(null, rt.estimate(), () -> Cost.usd("0.26"));
    }
    assertThat(rt.estimate()).isGreaterThan(Cost.usd("0.24").nanos());
  }

  @Test
  void sitsBetweenThe75thAndThe97thPercentileOfLogNormalCosts() {
    ServiceRuntime rt = runtime(ManualTicker.create());
    Random random = new Random(42);
    int n = 20_000;
    double[] costs = new double[n];
    long[] estimates = new long[n];
    for (int i = 0; i < n; i++) {
      double c = 0.01 * Math.exp(0.5 * random.nextGaussian());
      costs[i] = c;
      long nanos = Math.round(c * 1e9);
      long est = rt.estimate();
      rt.call(null, est, () -> Cost.ofNanos(nanos));
      estimates[i] = rt.estimate();
    }
    Arrays.sort(costs);
    long[] tail = Arrays.copyOfRange(estimates, 1_000, n);
    Arrays.sort(tail);
    double median = tail[tail.length / 2] / 1e9;
    assertThat(median).isBetween(costs[(int) (0.75 * n)], costs[(int) (0.97 * n)]);
  }
}
