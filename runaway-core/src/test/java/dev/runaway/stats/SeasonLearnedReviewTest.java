package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Second review of the first design for the level variability's first day (its hours not learned
 * at all until the seasonal slots around them had each seen about a day; benchmarks/REAL-RUNS.md,
 * session 44): this test failed on it. The first day's hours are learned again, each adding at
 * most the cap's variance.
 */
final class SeasonLearnedReviewTest {

  private static final long DAY = 1440;

  /**
   * A service whose hours run at e or 1/e times 10 calls a minute, at random (VolatileLevelTest's,
   * before it was lengthened to four days). Warm-up ends after one day; the level variability now
   * learned nothing on that day under the first design, so the first day of detection judged with
   * no allowance for the service's swings. On 20 seeds, day 2: 4 spike alerts and 1 runaway before
   * it and now (the first day's hours stray by about e, within the cap), 32 and 3 with it.
   */
  @Test
  void aVolatileService_isNotAlertedOnItsUsualSwings_onTheFirstDayAfterWarmUp() {
    long spikes = 0;
    long runaways = 0;
    for (long seed = 1; seed <= 20; seed++) {
      Traffic t = Traffic.create(DetectionSettings.defaults(), seed);
      SplittableRandom levels = new SplittableRandom(seed * 7919);
      double[] hour = new double[2 * 24 + 2];
      for (int i = 0; i < hour.length; i++) {
        hour[i] = Math.exp(levels.nextBoolean() ? 1 : -1);
      }
      t.run(2 * DAY, m -> 10 * hour[(int) (m / 60)]);
      spikes += t.since(DAY).stream().filter(e -> e.event().isSpike()).count();
      runaways += t.since(DAY).stream().filter(e -> e.event().isRunaway()).count();
    }
    assertThat(spikes).as("spike alerts on day 2, 20 seeds").isLessThanOrEqualTo(10);
    assertThat(runaways).as("runaways on day 2, 20 seeds").isLessThanOrEqualTo(1);
  }
}
