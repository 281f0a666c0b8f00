package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A backlog caught up after a gap is the day's traffic, late. On a day that runs at 1.9 times the
 * learned level (the baseline does not follow the level of the day), a 30-minute gap and a catch-up
 * at 4x of the day's rate for ten minutes (about 7.6x of the expectation) does not trip: the
 * breaker judges the catch-up less what the gap left owed at the level before it. A runaway right
 * after a gap still trips: it first pays back what the gap left owed (the gap's length at the level
 * before it, an hour at most), then trips as it would have; within the configured 15-minute hold.
 */
final class GapCatchUpTest {

  private static final long MINUTE = Traffic.MINUTE;
  /** The learned rate, calls a minute. */
  private static final double RATE = 50;
  /** A week of day levels that vary as real traffic does (the breaker learns to allow for it). */
  private static final double[] WEEK = {1.0, 0.8, 1.25, 0.9, 1.15, 0.85, 0.75};
  /** The level of the day of the gap. */
  private static final double HOT_DAY = 1.9;

  /**
   * A gap of {@code gapMinutes} without calls, then a runaway at 10 times the expectation read just
   * before it, for 30 minutes: the minutes from its onset to the trip.
   */
  private static Optional<Double> tenfoldAfterGap(Traffic t, int gapMinutes) {
    double expected = t.meter.snapshot(t.ticker.nanoTime()).baselineCallsPerMinute();
    t.run(gapMinutes, m -> 0);
    long onset = t.minute();
    t.run(30, m -> 10 * expected);
    return t.minutesToTrip(onset);
  }

  /** The week, then the morning of a day at {@code dayLevel} times the learned rate, to noon. */
  private static Traffic untilNoon(long seed, double dayLevel) {
    Traffic t = Traffic.create(DetectionSettings.defaults(), seed);
    for (double level : WEEK) {
      t.run(1440, m -> RATE * level);
    }
    t.run(720, m -> RATE * dayLevel);
    assertThat(t.events).noneMatch(e -> e.event().isRunaway());
    return t;
  }

  @Test
  void aCatchUpOnADayAtTwiceTheLevel_doesNotTrip() {
    for (long seed = 1; seed <= 4; seed++) {
      Traffic t = untilNoon(seed, HOT_DAY);
      long from = t.minute();
      double expected = t.meter.snapshot(t.ticker.nanoTime()).baselineCallsPerMinute();
      assertThat(HOT_DAY * RATE / expected).as("the baseline has not followed the day").isGreaterThan(1.8);
      t.run(30, m -> 0);
      t.run(10, m -> 4 * HOT_DAY * RATE); // the 30 minutes' backlog
      t.run(120, m -> HOT_DAY * RATE);
      assertThat(t.minutesToTrip(from)).as("seed %d", seed).isEmpty();
    }
  }

  @Test
  void aRunawayRightAfterAGap_stillTripsWithinTheHold() {
    for (long seed = 11; seed <= 14; seed++) {
      // On the hot day the gap owes 30 minutes at 1.9x (57 buckets' expectation), which a 10x
      // runaway pays back in about 7 minutes before the test judges it.
      Traffic hot = untilNoon(seed, HOT_DAY);
      long from = hot.minute();
      assertThat(tenfoldAfterGap(hot, 30)).as("seed %d", seed)
          .hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(15.0));
      assertThat(hot.minutesToTrip(from)).as("seed %d", seed).hasValueSatisfying(d -> assertThat(d).isGreaterThan(30.0));

      // On an ordinary day the gap owes 30 buckets' expectation, paid back in under four minutes.
      assertThat(tenfoldAfterGap(untilNoon(seed, 1), 30)).as("seed %d", seed)
          .hasValueSatisfying(d -> assertThat(d).isLessThan(8.0));
    }
  }

  @Test
  void aLongOutage_owesAnHourAtMost() {
    for (long seed = 21; seed <= 24; seed++) {
      // Eight hours without calls owe an hour of the level, not eight: a 10x runaway after the
      // outage pays that back in about seven minutes, then trips (uncapped it waited the full
      // 15-minute hold here, and at low rates, where the hold is out of reach, for hours).
      assertThat(tenfoldAfterGap(untilNoon(seed, 1), 480)).as("seed %d", seed)
          .hasValueSatisfying(d -> assertThat(d).isLessThan(12.0));
    }
  }

  @Test
  void aBacklogOfNinetyMinutesFlushedWithinSeconds_doesNotTrip() {
    for (long seed = 31; seed <= 34; seed++) {
      // A queue drained at once after a 90-minute outage: its 90 minutes of calls within the
      // first five seconds of a minute. The gap owes an hour (the cap) and a bucket trips on its
      // own only past an hour of the mean: together they cover the flush. What is owed is an
      // amount, not a rate: the per-call thresholds early in the bucket count all of it, as the
      // close does (counted as a quarter of a bucket's, the flush tripped four seconds in).
      Traffic t = untilNoon(seed, 1);
      long from = t.minute();
      t.run(90, m -> 0);
      long minute = t.minute();
      long backlog = Math.round(90 * RATE);
      for (long i = 0; i < backlog; i++) {
        long now = minute * MINUTE + i * 5_000_000_000L / backlog;
        t.at(now);
        t.record(t.meter.onCall(now), now);
        t.record(t.meter.onCost(now, t.costPerCall), now);
      }
      t.calls(minute, 0);
      t.run(60, m -> RATE);
      assertThat(t.minutesToTrip(from)).as("seed %d", seed).isEmpty();
    }
  }
}
