package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The held rule's hold follows the service's own record: after a week in which the rate never held
 * the breaker multiple for long, a run held for twice the week's longest run plus two buckets
 * trips, at the call that makes the trip certain; a catch-up that spent more than a bucket paying
 * back a gap's shortfall needs one clear bucket more; a service whose bursts hold longer keeps a
 * longer hold, never past {@link DetectionSettings#runawayHold()}. The statistical test is slowed ({@code breakerEvidence}
 * 100 nats) so that the held rule is seen on its own.
 */
final class HeldRecordTest {

  private static final long MINUTE = Traffic.MINUTE;
  private static final DetectionSettings SLOW_TEST = DetectionSettings.builder().breakerEvidence(100)
      .runawayHold(Duration.ofMinutes(15)).build();

  private static Optional<Double> minutesToTrip(Traffic t, long from) {
    return t.events.stream().filter(e -> e.event().isRunaway() && e.nanos() >= from * MINUTE).findFirst()
        .map(e -> e.minute() - from);
  }

  /** Exactly {@code perMinute} calls a minute for {@code minutes} minutes: no Poisson dip breaks a run. */
  private static void steady(Traffic t, long minutes, long perMinute) {
    for (long i = 0; i < minutes; i++) {
      t.calls(t.minute(), perMinute);
    }
  }

  /**
   * Runs {@code minutes} minutes at exactly 36 calls a minute (9x); the minutes to the trip, if
   * any. At 4 calls a minute the statistical test (slowed to 100 nats) needs about 19 minutes of
   * 9x, so a trip sooner is the held rule's.
   */
  private static Optional<Double> ninefold(Traffic t, long minutes) {
    long from = t.minute();
    steady(t, minutes, 36);
    return minutesToTrip(t, from);
  }

  /**
   * Nine days of Poisson 4 calls/min, each day with {@code burst} minutes at 28/min (7x) around noon,
   * at a different time each day: bursts at the same time every day would be learned as recurring
   * (RecurringBurstsTest) and never make a held run.
   */
  private static Traffic nineDays(long seed, int burst) {
    Traffic t = Traffic.create(SLOW_TEST, seed);
    for (int d = 0; d < 9; d++) {
      int shift = d * 37 % 180;
      t.run(630 + shift, m -> 4);
      steady(t, burst, 28);
      t.run(810 - shift - burst, m -> 4);
    }
    return t;
  }

  @Test
  void aWeekWithoutHeldRuns_tripsANinefoldRunWithinTwoBuckets_aFreshServiceAtTheFullHold() {
    Traffic steady = nineDays(51, 0);
    assertThat(ninefold(steady, 30)).hasValueSatisfying(d -> assertThat(d).isBetween(1.0, 2.0));

    // Two days of history: no week of record yet, the configured hold applies.
    Traffic fresh = Traffic.create(SLOW_TEST, 52);
    fresh.run(2 * 1440, m -> 4);
    assertThat(ninefold(fresh, 30)).hasValueSatisfying(d -> assertThat(d).isBetween(14.0, 15.0 + 1e-9));
  }

  @Test
  void dailySixMinuteBursts_keepAHoldOfFourteenBuckets_andALongerBurstBecomesTheRecord() {
    Traffic t = nineDays(53, 6);
    assertThat(t.events).noneMatch(e -> e.event().isRunaway());
    long from = t.minute();
    steady(t, 12, 28);
    t.run(60, m -> 4);
    assertThat(minutesToTrip(t, from)).as("a burst twice the usual one is not a runaway yet").isEmpty();

    // (That twelve-minute burst is now the record: the hold is back at the configured 15.)
    assertThat(ninefold(t, 30)).hasValueSatisfying(d -> assertThat(d).isBetween(14.0, 15.0 + 1e-9));

    Traffic u = nineDays(54, 6);
    assertThat(ninefold(u, 30)).hasValueSatisfying(d -> assertThat(d).isBetween(13.0, 14.0 + 1e-9));
  }

  @Test
  void aCatchUpAfterAGap_paysBackWhatTheGapOwedBeforeAShortHoldCounts() {
    Traffic t = nineDays(55, 0);
    long from = t.minute();
    t.run(40, m -> 0); // an outage: about 160 calls wait
    steady(t, 5, 36); // the backlog catches up at 9x for five minutes (180 calls: 160 + 5 minutes' 20)
    t.run(60, m -> 4);
    assertThat(minutesToTrip(t, from)).isEmpty();

    // The same five minutes without the gap before them trip.
    Traffic u = nineDays(55, 0);
    long start = u.minute();
    u.run(40, m -> 4);
    steady(u, 5, 36);
    assertThat(minutesToTrip(u, start)).isPresent();
  }

  @Test
  void aCatchUpAfterAnOutage_isNotTheServicesRecord_soTheHoldStaysShort() {
    Traffic t = nineDays(56, 0);
    long from = t.minute();
    t.run(60, m -> 0); // an outage: about 240 calls wait
    steady(t, 6, 36); // the backlog catches up at 9x for six minutes
    t.run(1440, m -> 4);
    assertThat(minutesToTrip(t, from)).isEmpty();

    // Recorded as a six-bucket run, the catch-up made the hold 14 buckets for a week.
    assertThat(ninefold(t, 30)).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(4.0 + 1e-9));
  }

  @Test
  void aRunThatTripped_isNotTheServicesRecord_soTheNextRunawayTripsAsFast() {
    Traffic t = nineDays(57, 0);
    long from = t.minute();
    steady(t, 60, 36); // a runaway, held long after it tripped
    assertThat(minutesToTrip(t, from)).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(3.0 + 1e-9));
    t.run(1440, m -> 4);
    assertThat(t.events).anyMatch(e -> e.event() == MeterEvent.RESOLVED && e.nanos() > from * MINUTE);

    assertThat(ninefold(t, 30)).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(3.0 + 1e-9));
  }

  @Test
  void aRateOnTheFivefoldEdge_waitsForTheFullHold_evenWithAShortRecord() {
    Traffic edge = nineDays(59, 0);
    long from = edge.minute();
    double expected = edge.meter.snapshot(edge.ticker.nanoTime()).baselineCallsPerMinute();
    long fivefold = (long) Math.ceil(5 * expected);
    steady(edge, 30, fivefold);
    assertThat(minutesToTrip(edge, from)).as("%d calls a minute against %.2f", fivefold, expected)
        .hasValueSatisfying(d -> assertThat(d).isBetween(14.0, 15.0 + 1e-9));

    // 6.5x is the average of a noisy 5x rate's runs at or above 5x: the full hold too.
    Traffic noisy = nineDays(59, 0);
    long at = noisy.minute();
    steady(noisy, 30, (long) Math.ceil(6.5 * expected));
    assertThat(minutesToTrip(noisy, at)).hasValueSatisfying(d -> assertThat(d).isBetween(14.0, 15.0 + 1e-9));

    Traffic clear = nineDays(59, 0);
    long start = clear.minute();
    steady(clear, 30, (long) Math.ceil(8.5 * expected));
    assertThat(minutesToTrip(clear, start)).hasValueSatisfying(d -> assertThat(d).isBetween(1.0, 2.0));
  }

  @Test
  void theBucketThatCompletesAHold_tripsAtTheCallThatMakesTheTripCertain_notAtItsClose() {
    // One bucket of 9x (32 over the 4 expected), then a second: at the close it trips the
    // two-bucket hold once it holds 5x and lifts the run to 8x on average (about 29 calls).
    for (long second = 16; second <= 36; second++) {
      Traffic t = nineDays(63, 0);
      long from = t.minute();
      double m = t.meter.snapshot(t.ticker.nanoTime()).baselineCallsPerMinute();
      // At the close: the bucket at 5x, and the run's excess 7 times its expectation (8x on average).
      double bound = Math.max(5 * m, 7 * 2 * m - (36 - m) + m);
      steady(t, 1, 36);
      t.calls(t.minute(), second);
      Optional<Double> trip = minutesToTrip(t, from);
      String as = String.format("a second bucket of %d calls against %.2f (bound %.2f)", second, m, bound);
      trip.ifPresent(d -> assertThat(d).as(as).isGreaterThan(1.0));
      if (second >= bound + 1) {
        // Tripped by a call of the second bucket, not at its end.
        assertThat(trip).as(as).hasValueSatisfying(d -> assertThat(d).isLessThan(2.0));
      } else if (second < bound - 1) {
        assertThat(trip).as(as).isEmpty();
      }
      // A trip within the bucket is one its close confirms: the run is not recorded as the
      // service's own, so the next runaway trips as fast. Recorded, the run would make the hold
      // 4 or 6 buckets for a week.
      t.run(1440, x -> 4);
      Optional<Double> next = ninefold(t, 30);
      if (trip.isPresent()) {
        assertThat(next).as(as).hasValueSatisfying(d -> assertThat(d).isLessThan(2.0));
      } else {
        assertThat(next).as(as).hasValueSatisfying(d -> assertThat(d).isGreaterThan(2.5));
      }
    }
  }

  @Test
  void aRunOverMidnight_isJudgedWithTheRecordOfTheDayItsBucketBelongsTo() {
    // Day 2 has a 6-minute burst (the record: a hold of 14 buckets); at the start of day 9 it is
    // more than seven days old, and the hold is back to two buckets.
    Traffic t = burstOnDayTwo(9 * 1440 - 2);
    assertThat(t.events).noneMatch(e -> e.event().isRunaway());
    // 23:58 and 23:59 of day 8 count towards a hold of 14; the bucket at 00:00 (three buckets of
    // 9x, the third needing 24 calls for the run's 8x average) trips a hold of 2 within it.
    Optional<Double> trip = ninefold(t, 30);
    assertThat(trip).hasValueSatisfying(d -> assertThat(d).isBetween(2.0, 3.0 - 1e-9));

    Traffic before = burstOnDayTwo(8 * 1440 + 720);
    assertThat(ninefold(before, 30)).as("on day 8 the burst is the record")
        .hasValueSatisfying(d -> assertThat(d).isBetween(13.0, 14.0 + 1e-9));
  }

  @Test
  void aRunawayTrippedWithinABucket_thenRefused_isNotTheServicesRecord() {
    // The statistical breaker (default evidence) trips a 7x and a 15x runaway within a bucket; a
    // guard then refuses every call, so the bucket closes with what it had at the trip: below the
    // multiple, and without a trip of its own at the close. The run that ends there tripped.
    DetectionSettings fast = DetectionSettings.builder().runawayHold(Duration.ofMinutes(15)).build();
    for (int rate : new int[] {28, 60}) {
      Traffic t = Traffic.create(fast, 66);
      for (int d = 0; d < 9; d++) {
        t.run(1440, m -> 4);
      }
      long from = t.minute();
      long tripAt = -1;
      for (long m = from; m < from + 30 && tripAt < 0; m++) {
        for (long i = 0; i < rate && tripAt < 0; i++) {
          long now = m * MINUTE + (i * MINUTE + MINUTE / 2) / rate;
          t.at(now);
          if (t.meter.onCall(now).isRunaway()) {
            tripAt = now;
          }
        }
      }
      assertThat(tripAt).as("%d a minute trips", rate).isPositive();
      assertThat(tripAt % MINUTE).as("within a bucket").isPositive();
      // Refused for half an hour (the meter sees no call), then the usual rate for a day.
      long resume = tripAt / MINUTE + 30;
      t.at(resume * MINUTE);
      t.meter.advance(resume * MINUTE);
      t.run(1440, m -> 4);
      BaselineState saved = t.meter.exportBaseline();
      assertThat(saved.dayRuns()[0]).as("%d a minute: the record of held runs", rate).containsOnly(0.0);

      // So the next runaway trips within the two buckets of a week without a run of its own.
      t.meter = BurnRateMeter.create(SLOW_TEST, t.ticker, saved);
      assertThat(ninefold(t, 30)).hasValueSatisfying(d -> assertThat(d).isBetween(1.0, 2.0));
    }
  }

  /** {@code minutes} of Poisson 4 calls/min from Monday 00:00, with 6 minutes at 28/min (7x) from 11:40 on day 2. */
  private static Traffic burstOnDayTwo(long minutes) {
    Traffic t = Traffic.create(SLOW_TEST, 65);
    long burst = 2 * 1440 + 700;
    t.run(burst, m -> 4);
    steady(t, 6, 28);
    t.run(minutes - burst - 6, m -> 4);
    return t;
  }

  @Test
  void theRecordSurvivesARestart_throughTheExportedBaseline() {
    Traffic t = nineDays(61, 0);
    BaselineState saved = BaselineState.fromBytes(t.meter.exportBaseline().toBytes());
    t.meter = BurnRateMeter.create(SLOW_TEST, t.ticker, saved);
    assertThat(ninefold(t, 30)).as("the restored meter keeps the week's record")
        .hasValueSatisfying(d -> assertThat(d).isBetween(1.0, 2.0));

    // A state of the previous format has no record: the full hold until a week of record again.
    Traffic old = nineDays(61, 0);
    byte[] v2 = BaselineStateTest.asVersion2(old.meter.exportBaseline().toBytes());
    byte[] v1 = Arrays.copyOf(v2, v2.length - 2 * (8 + 4 + 7 * 8) - 8);
    ByteBuffer.wrap(v1).putInt(4, 1);
    old.meter = BurnRateMeter.create(SLOW_TEST, old.ticker, BaselineState.fromBytes(v1));
    assertThat(ninefold(old, 30)).hasValueSatisfying(d -> assertThat(d).isBetween(14.0, 15.0 + 1e-9));
  }
}
