package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
  void aTenfoldRunAtHalfACallAMinute_tripsThoughNoBucketClearsTheMinimumExcess() {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 11);
    t.run(3 * 1440, m -> 0.5);
    assertThat(t.events).noneMatch(e -> e.event().isRunaway());
    long start = t.minute();
    // 5 calls a minute: each bucket is 4.5 above its expectation, below the minimum excess of 10.
    // It is a run (each bucket at the breaker multiple), tripped once its excess clears 30 calls.
    t.run(60, m -> 5);

    Traffic.Event trip = t.since(start).stream().filter(e -> e.event().isRunaway()).findFirst().orElseThrow();
    assertThat(trip.minute() - start).isLessThan(20);
  }

  /**
   * Known and kept: at a near-zero expectation one call is at the breaker multiple, so an order
   * after a minute with one call is the second bucket of a run and trips (asking the minimum
   * excess of that minute too slowed the test above's runaway from a median of 10 to 50 minutes).
   */
  @Test
  void oneCallInTheMinuteBefore_makesAnOrderAtAQuietTimeTheSecondBucketOfARun() {
    assertThat(orderAtAQuietTime(1, 40)).anyMatch(e -> e.event().isRunaway());
  }

  @Test
  void withoutTheCallBefore_theSameOrderDoesNotTrip() {
    assertThat(orderAtAQuietTime(0, 40)).noneMatch(e -> e.event().isRunaway());
  }

  @Test
  void twoBucketsAtTheMultiple_stillTripFromTheSecond() {
    assertThat(orderAtAQuietTime(20, 40)).anyMatch(e -> e.event().isRunaway());
  }

  /**
   * The shop's level variability: once 4.5 (above the cap, so its sustained-rise test was off), not,
   * as this test first said, because the seasonal interpolation spreads its opening and closing over
   * the hours next to them (once the slots are learned those hours strayed by a log-ratio of 0.5 at
   * most on a traced shop), but because of its first day: the first evening expected the day's
   * traffic from slots not yet learned and got none (see {@link OpeningHoursTest}). Such an hour now
   * adds at most the cap's variance: 0.14 here, four days in. Known and kept, as on the smooth day
   * above: the order at night after one call trips, at the close as on a call (switching the
   * breaker's test off where the sustained test is off spared the shop's orders but left a 100x
   * runaway on two bursty tweet series to the hold).
   */
  @Test
  void theShopsOrderAtNight_afterOneCall_trips() {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 11);
    t.run(3 * 1440 + 22 * 60, LoneTripReviewTest::shop);
    assertThat(t.meter.exportBaseline().variability()[0]).as("the shop's level variance").isLessThan(0.2);
    assertThat(order(t, 1, 40)).anyMatch(e -> e.event().isRunaway());
  }

  /**
   * A service whose day rises smoothly from nearly nothing at midnight to 20 calls a minute at
   * noon (mean 5.5 a minute; 0.0004 a minute at 10 pm), after three days and 22 hours: a minute
   * with {@code before} calls, one with {@code order}, then half an hour of nothing; the meter's
   * events from the first of them on. Unlike the shop's step, its hours stay close to the
   * expectation, so its breaker's statistical test is on.
   */
  private static List<Traffic.Event> orderAtAQuietTime(int before, int order) {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 11);
    t.run(3 * 1440 + 22 * 60, m -> 20 * Math.pow(0.5 - 0.5 * Math.cos(2 * Math.PI * (m % 1440) / 1440), 4));
    assertThat(t.meter.exportBaseline().variability()[0]).as("the level variance").isLessThan(0.1);
    return order(t, before, order);
  }

  private static List<Traffic.Event> order(Traffic t, int before, int order) {
    assertThat(t.events).noneMatch(e -> e.event().isRunaway());
    long night = t.minute();
    t.calls(night, before);
    t.calls(night + 1, order);
    t.run(30, m -> 0);
    return t.since(night);
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
