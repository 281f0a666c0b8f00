package dev.runaway.stats.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

final class SeasonalBaselineTest {

  private static final long MINUTE = 60_000_000_000L;
  private static final long MONDAY = 1_767_571_200L * 1_000_000_000L; // 2026-01-05T00:00:00Z

  private static double diurnal(long minute) {
    return 100 * (1 + 0.6 * Math.sin(2 * Math.PI * minute / 1440.0));
  }

  @Test
  void dailySlots_followASmoothDailyCurve() {
    SeasonalBaseline b = new SeasonalBaseline(24, 0, MINUTE, 2 * 1440 * MINUTE, ZoneOffset.UTC);
    for (long t = 0; t < 4 * 1440; t++) {
      b.locate(MONDAY + t * MINUTE);
      b.learn(diurnal(t), 0, 1);
    }
    for (long t = 4 * 1440; t < 5 * 1440; t += 17) {
      b.locate(MONDAY + t * MINUTE);
      assertThat(b.expected(SeasonalBaseline.CALLS)).isCloseTo(diurnal(t), within(diurnal(t) * 0.03 + 0.5));
    }
  }

  @Test
  void weekSlots_takeOverAfterThreeWeeks() {
    SeasonalBaseline b = new SeasonalBaseline(24, 168, MINUTE, 2 * 1440 * MINUTE, ZoneOffset.UTC);
    long t = 0;
    for (; t < 14 * 1440; t++) {
      b.locate(MONDAY + t * MINUTE);
      b.learn(weekday(t) ? 100 : 30, 0, 1);
    }
    b.locate(MONDAY + t * MINUTE + 12 * 60 * MINUTE);
    assertThat(b.usesWeek()).isFalse();
    for (; t < 21 * 1440; t++) {
      b.locate(MONDAY + t * MINUTE);
      b.learn(weekday(t) ? 100 : 30, 0, 1);
    }
    // Saturday noon of week four: the week slots know it is a weekend.
    b.locate(MONDAY + (21 * 1440 + 5 * 1440 + 12 * 60) * MINUTE);
    assertThat(b.usesWeek()).isTrue();
    assertThat(b.expected(SeasonalBaseline.CALLS)).isCloseTo(30, within(1.0));
  }

  private static boolean weekday(long minute) {
    return (minute / 1440) % 7 < 5;
  }

  @Test
  void zone_shiftsTheHours() {
    SeasonalBaseline utc = new SeasonalBaseline(24, 0, MINUTE, 2 * 1440 * MINUTE, ZoneOffset.UTC);
    SeasonalBaseline tokyo = new SeasonalBaseline(24, 0, MINUTE, 2 * 1440 * MINUTE, ZoneId.of("Asia/Tokyo"));
    for (long t = 0; t < 3 * 1440; t++) {
      double v = t % 1440 < 60 ? 50 : 5; // busy during 00:00-01:00 UTC = 09:00-10:00 in Tokyo
      utc.locate(MONDAY + t * MINUTE);
      utc.learn(v, 0, 1);
      tokyo.locate(MONDAY + t * MINUTE);
      tokyo.learn(v, 0, 1);
    }
    long halfPastMidnightUtc = MONDAY + (3 * 1440 + 30) * MINUTE;
    utc.locate(halfPastMidnightUtc);
    tokyo.locate(halfPastMidnightUtc);
    assertThat(utc.expected(SeasonalBaseline.CALLS)).isGreaterThan(30);
    assertThat(tokyo.expected(SeasonalBaseline.CALLS)).isCloseTo(utc.expected(SeasonalBaseline.CALLS), within(1e-9));
  }

  @Test
  void dispersion_isLearnedFromResiduals() {
    SeasonalBaseline b = new SeasonalBaseline(1, 0, MINUTE, 2 * 1440 * MINUTE, ZoneOffset.UTC);
    java.util.SplittableRandom r = new java.util.SplittableRandom(3);
    for (int i = 0; i < 20_000; i++) {
      // Gamma-like multiplicative noise with a coefficient of variation of 0.3 on a mean of 1000.
      double x = 1000 * (1 + 0.3 * r.nextGaussian());
      b.learnDispersion(SeasonalBaseline.CALLS, x, 1000, 1000 * 1000, 1e12, 1, 1);
    }
    assertThat(b.dispersion(SeasonalBaseline.CALLS)).isCloseTo(0.09 - 0.001, within(0.01));
  }
}
