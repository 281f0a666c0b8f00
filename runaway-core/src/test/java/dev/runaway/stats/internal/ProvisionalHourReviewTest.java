package dev.runaway.stats.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/**
 * Review (helper nu78) of the first version of the cap: the squared log-ratio of an hour judged
 * against slots not yet learned was capped at 1 before its sampling variance was subtracted, so
 * such an hour added at most 1 - sv. On a service's first day the sampling variance is large (the
 * slots' effective n is 1: with hourly polls sv is about the dispersion plus 1/mean), and an hour
 * that strayed by e^6.7 read as a negative variance. The excess over the count noise is capped.
 */
final class ProvisionalHourReviewTest {

  @Test
  void aProvisionalHourThatStrayedFar_addsTheCapsVariance_whateverItsSamplingVariance() {
    long hour = Duration.ofHours(1).toNanos();
    SeasonalBaseline b = new SeasonalBaseline(24, 0, hour, Duration.ofDays(2).toNanos(), ZoneOffset.UTC);
    double m = 400;
    // nothing observed against 400 expected, noise variance 5 m^2 (sv = 5)
    b.accumulateLevel(SeasonalBaseline.CALLS, 0, m, 5 * m * m, 1);
    b.accumulateLevel(SeasonalBaseline.COST, 0, 0, 0, 1);
    b.closeLevelBucket(1, 1, true);
    assertThat(b.variabilityState()[0]).as("the level variance after one provisional hour at e^-6.7")
        .isCloseTo(1, within(1e-9));
  }

  /**
   * 40-minute buckets in a zone half an hour off UTC: each day slot receives 1.33 buckets of kernel
   * weight a day (0.89 of the 1.5 a bucket width of 40 minutes spreads over an hour), below the 1.35
   * that a share of 0.9 asked for, so no hour of the second day counted as learned (in UTC every
   * hour does). After one day every bucket of the second day is judged against learned slots.
   */
  @Test
  void fortyMinuteBuckets_inAHalfHourZone_learnTheirSlotsInADay() {
    long bucket = Duration.ofMinutes(40).toNanos();
    SeasonalBaseline b = new SeasonalBaseline(24, 0, bucket, Duration.ofDays(2).toNanos(),
        ZoneId.of("Asia/Kolkata"));
    long start = Instant.parse("2026-03-27T00:00:00Z").getEpochSecond() * 1_000_000_000L;
    long day = Duration.ofDays(1).toNanos();
    for (long t = start; t < start + day; t += bucket) {
      b.locate(t);
      assertThat(b.seasonLearned()).as("a bucket of the first day").isFalse();
      b.learn(10, 10, 1);
    }
    for (long t = start + day; t < start + 2 * day; t += bucket) {
      b.locate(t);
      assertThat(b.seasonLearned()).as("the bucket at %s", Instant.ofEpochSecond(t / 1_000_000_000L)).isTrue();
    }
  }
}
