package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Review of the breaker's one-bucket rule (4c26aeb): which bucket before a burst counts as the
 * first bucket of a run, and which polled spans the rule applies to.
 */
final class LoneTripReviewTest {

  /** A shop: 20 calls a minute from 08:00 to 16:00 UTC, nothing at night (mean 6.7 a minute). */
  private static double shop(double minute) {
    double m = minute % 1440;
    return m >= 8 * 60 && m < 16 * 60 ? 20 : 0;
  }

  @Test
  void oneCallInTheMinuteBefore_doesNotMakeAnOrderAtNightTheSecondBucketOfARun() {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 11);
    t.run(3 * 1440 + 22 * 60, LoneTripReviewTest::shop);
    assertThat(t.events).noneMatch(e -> e.event().isRunaway());
    long night = t.minute();
    // One call (a customer looking around) at a near-zero expectation, then an order of 40 lines:
    // 40 is far below an hour of the mean (about 400), and one call is no run at the breaker multiple.
    t.calls(night, 1);
    t.calls(night + 1, 40);
    t.run(30, m -> 0);

    assertThat(t.since(night)).noneMatch(e -> e.event().isRunaway());
  }

  @Test
  void withoutTheCallBefore_theSameOrderDoesNotTrip() {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 11);
    t.run(3 * 1440 + 22 * 60, LoneTripReviewTest::shop);
    long night = t.minute();
    t.calls(night, 0);
    t.calls(night + 1, 40);
    t.run(30, m -> 0);

    assertThat(t.since(night)).noneMatch(e -> e.event().isRunaway());
  }

  @Test
  void twoBucketsAtTheMultiple_stillTripFromTheSecond() {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 11);
    t.run(3 * 1440 + 22 * 60, LoneTripReviewTest::shop);
    long night = t.minute();
    t.calls(night, 20);
    t.calls(night + 1, 40);

    assertThat(t.since(night)).anyMatch(e -> e.event().isRunaway());
  }

  /**
   * The monitor's bucket is its polling interval: a poll covers one bucket, give or take the
   * scheduler's jitter, and whether the one-bucket rule applies should not hang on that jitter.
   */
  @Test
  void aPollAMillisecondLongerThanTheBucket_isJudgedLikeOneOfExactlyTheBucket() {
    MeterEvent exact = burstPoll(Duration.ZERO);
    MeterEvent longer = burstPoll(Duration.ofMillis(1));
    assertThat(longer).as("a 10x poll of 5 min + 1 ms vs one of 5 min (%s)", exact).isEqualTo(exact);
    // A poll is an interval's total: the one-bucket rule, about bursts within a bucket of calls,
    // does not apply to it, and a 10x poll trips as before.
    assertThat(exact).isEqualTo(MeterEvent.CALL_RUNAWAY);
  }

  private static MeterEvent burstPoll(Duration extra) {
    ManualTicker ticker = ManualTicker.create();
    DetectionSettings s = DetectionSettings.defaults().toBuilder().bucket(Duration.ofMinutes(5)).build();
    BurnRateMeter meter = BurnRateMeter.create(s, ticker);
    Instant t = ticker.instant();
    Duration len = Duration.ofMinutes(5);
    for (int i = 0; i < 3 * 288; i++) {
      assertThat(meter.observe(t, t.plus(len), 50, 0)).isEqualTo(MeterEvent.NONE);
      t = t.plus(len);
    }
    // 10x for one poll: an excess of 9 buckets of the mean, below the hour's 12.
    return meter.observe(t, t.plus(len).plus(extra), 500, 0);
  }
}
