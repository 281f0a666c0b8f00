package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The spend channel learns how much whole hours vary from the expectation as the call channel
 * does. Its amounts are judged in an effective unit that follows the learned spend per call (one
 * nanodollar before anything is learned): the hour's sums must not mix those units. They did: the
 * first bucket of a meter's life (its spend in nanodollars against an expectation of nothing) read
 * as a log-ratio of about 13, which held the spend's level variability at its cap for about three
 * weeks, so the spend breaker allowed e times its multiple and a runaway in spend per call (the
 * same calls, each ten times dearer) waited for the 15-minute hold.
 */
final class SpendLevelVariabilityTest {

  @Test
  void steadySpendPerCall_varies_asLittleAsItsCalls() {
    for (long seed = 1; seed <= 3; seed++) {
      Traffic t = Traffic.create(DetectionSettings.defaults(), seed);
      t.run(2 * 1440, m -> 20);
      // level variance and sampling variance of calls, then of spend, then the weight
      double[] v = t.meter.exportBaseline().variability();
      assertThat(v[2]).as("seed %d: the spend's level variance (calls': %s)", seed, v[0]).isLessThan(0.05);
      assertThat(Math.abs(v[2] - v[0])).as("seed %d", seed).isLessThan(0.05);
    }
  }

  @Test
  void tenfoldSpendPerCall_atTheSameCallRate_tripsWithinMinutes() {
    for (long seed = 11; seed <= 14; seed++) {
      Traffic t = Traffic.create(DetectionSettings.defaults(), seed);
      t.run(3 * 1440, Traffic.diurnal(20));
      assertThat(t.events).as("seed %d", seed).noneMatch(e -> e.event().isRunaway());
      long onset = t.minute();
      t.costPerCall *= 10;
      t.run(30, Traffic.diurnal(20));
      assertThat(t.minutesToTrip(onset)).as("seed %d", seed).hasValueSatisfying(d -> assertThat(d).isLessThan(5));
    }
  }

  /**
   * The meter's first bucket is judged against an expectation of nothing, in either channel: with
   * half-hour buckets its hour read as twice its expectation (a log-ratio of 0.69), which a steady
   * service's first day averaged to a level variance of about 0.02 (the breaker at 5.7x instead of
   * 5x after the warm-up). The hour that holds it is not learned.
   */
  @Test
  void halfHourBuckets_theFirstHour_doesNotReadAsASwing() {
    for (long seed = 1; seed <= 3; seed++) {
      Traffic t = Traffic.create(DetectionSettings.builder().bucket(Duration.ofMinutes(30)).build(), seed);
      t.run(1440, m -> 20);
      double[] v = t.meter.exportBaseline().variability();
      assertThat(v[0]).as("seed %d: the calls' level variance", seed).isLessThan(0.005);
      assertThat(v[2]).as("seed %d: the spend's level variance", seed).isLessThan(0.005);
    }
  }
}
