package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Bursts that recur at the same time of day (batch jobs, crons) are learned after they came twice,
 * with the defaults; a runaway is still caught, at that time of day once it outlasts the burst, and
 * at any other time as before; a sustained rise and a one-off burst are never learned as recurring.
 */
final class RecurringBurstsTest {

  private static final long DAY = 1440;

  /** 50 calls a minute, times {@code k} during the first {@code len} minutes of every {@code period}. */
  private static DoubleUnaryOperator bursts(double k, int len, int period) {
    return t -> (t % period) < len ? 50 * k : 50;
  }

  private static long count(List<Traffic.Event> events, long fromMinute, long toMinute, boolean runaway) {
    return events.stream().filter(e -> e.nanos() >= fromMinute * Traffic.MINUTE && e.nanos() < toMinute * Traffic.MINUTE)
        .filter(e -> runaway ? e.event().isRunaway() : e.event().isSpike()).count();
  }

  @Test
  void hourlyCronOfFivefoldForThreeMinutes_alertsOnlyUntilItCameTwice() {
    // Before: a spike alert every hour for as long as the cron ran (24 a day, measured for 8 days).
    Traffic t = Traffic.create(DetectionSettings.defaults(), 11);
    t.run(8 * DAY, bursts(5, 3, 60));
    assertThat(count(t.events, DAY, 2 * DAY, false)).as("the first warm day alerts every hour").isGreaterThanOrEqualTo(20);
    assertThat(count(t.events, 3 * DAY, 8 * DAY, false)).as("spike alerts on days 4 to 8").isLessThanOrEqualTo(2);
    assertThat(count(t.events, 0, 8 * DAY, true)).isZero();
  }

  @Test
  void dailyBatchOfTenfoldForThreeMinutes_tripsAtMostTwice_thenARunawayElsewhereStillTripsAtOnce() {
    // Before: the breaker opened at the batch every day (runaway events on each of 9 days of 10).
    Traffic t = Traffic.create(DetectionSettings.defaults(), 12);
    DoubleUnaryOperator batch = bursts(10, 3, (int) DAY);
    t.run(10 * DAY, batch);
    assertThat(count(t.events, 0, 10 * DAY, true)).as("trips of the daily batch").isLessThanOrEqualTo(2);
    assertThat(count(t.events, 3 * DAY, 10 * DAY, true)).isZero();

    // A tenfold runaway at noon, far from the batch's time: as fast as without the batch.
    long noon = t.minute() + 720;
    t.run(720, batch);
    t.run(30, m -> 500);
    assertThat(firstRunaway(t, noon)).isBetween(0.0, 2.0);
  }

  @Test
  void runawayStartingWithTheLearnedBatch_tripsOnceItOutlastsIt() {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 13);
    t.run(6 * DAY, bursts(10, 3, (int) DAY));
    long start = t.minute(); // 00:00, when the batch starts
    t.run(60, m -> 500);
    // The batch's three minutes and the two either side are expected to run at 10x; after them,
    // the runaway trips as any other.
    assertThat(firstRunaway(t, start)).isBetween(3.0, 8.0);
  }

  @Test
  void aOneOffBurst_isNotLearned_theSameBurstTheNextDayStillTrips() {
    Traffic t = Traffic.create(DetectionSettings.defaults(), 14);
    t.run(2 * DAY + 600, m -> 50);
    t.run(3, m -> 500);
    t.run(DAY - 3, m -> 50);
    long again = t.minute(); // the same time, one day later
    t.run(10, m -> 500);
    assertThat(firstRunaway(t, again)).isBetween(0.0, 3.0);
  }

  @Test
  void aRunawayOfFortyMinutesAtTheSameTimeOnTwoDays_isNotLearned_theThirdStillTripsAtOnce() {
    // Longer than a burst may be (30 buckets): a runaway, even if it came back at the same time.
    // (From day 3 on: during the first day's warm-up everything is learned as seasonal.)
    Traffic t = Traffic.create(DetectionSettings.defaults(), 15);
    DoubleUnaryOperator loop = m -> m >= 2 * DAY && (m % DAY) >= 600 && (m % DAY) < 640 ? 500 : 50;
    t.run(4 * DAY, loop);
    assertThat(firstRunaway(t, 2 * DAY + 600)).isBetween(0.0, 3.0);
    assertThat(firstRunaway(t, 3 * DAY + 600)).isBetween(0.0, 3.0);
    long day5 = t.minute();
    t.run(DAY, loop);
    assertThat(firstRunaway(t, day5 + 600)).isBetween(0.0, 3.0);
  }

  @Test
  void withFiveMinuteBuckets_aFortyMinuteDailyLoopIsStillNotLearned() {
    // The limits are times, not bucket counts: 30 buckets of 5 minutes would have let a daily loop
    // of up to 2.5 hours be learned as a burst.
    DetectionSettings fiveMinutes = DetectionSettings.builder().bucket(java.time.Duration.ofMinutes(5)).build();
    Traffic t = Traffic.create(fiveMinutes, 17);
    DoubleUnaryOperator loop = m -> m >= 2 * DAY && (m % DAY) >= 600 && (m % DAY) < 640 ? 500 : 50;
    t.run(4 * DAY, loop);
    long day5 = t.minute();
    t.run(DAY, loop);
    assertThat(firstRunaway(t, day5 + 600)).isBetween(0.0, 10.0);
  }

  @Test
  void theRecord_travelsWithTheBaseline_aRestartedMeterKeepsTheBatchLearned() {
    // Two days of the batch, then a restart from the saved baseline (as a guard with a state
    // folder does): the third day's batch does not trip. Before the record was saved, it did.
    Traffic t = Traffic.create(DetectionSettings.defaults(), 16);
    DoubleUnaryOperator batch = bursts(10, 3, (int) DAY);
    t.run(3 * DAY, batch);
    BaselineState saved = BaselineState.fromBytes(t.meter.exportBaseline().toBytes());
    t.meter = BurnRateMeter.create(DetectionSettings.defaults(), t.ticker, saved);
    long day4 = t.minute();
    t.run(DAY, batch);
    assertThat(count(t.events, day4, day4 + DAY, true)).isZero();

    // Without the record (a state of version 2), the restarted meter trips at the batch again.
    Traffic u = Traffic.create(DetectionSettings.defaults(), 16);
    u.run(3 * DAY, batch);
    BaselineState v2 = BaselineState.fromBytes(BaselineStateTest.asVersion2(u.meter.exportBaseline().toBytes()));
    u.meter = BurnRateMeter.create(DetectionSettings.defaults(), u.ticker, v2);
    u.run(DAY, batch);
    assertThat(count(u.events, day4, day4 + DAY, true)).isPositive();
  }

  @Test
  void aBatchAtTheSameLocalTime_isStillExpectedAfterADaylightSavingChange() {
    // A batch at 04:00 Berlin time, with the settings' zone Berlin: it ran at 03:00 UTC before
    // 29 March 2026 and at 02:00 UTC after. The record was kept by UTC time of day, so the batch
    // looked new again after each change and opened the breaker on two more days.
    java.time.ZoneId berlin = java.time.ZoneId.of("Europe/Berlin");
    java.time.Instant start = java.time.Instant.parse("2026-03-20T00:00:00Z");
    dev.runaway.ManualTicker ticker = dev.runaway.ManualTicker.startingAt(start);
    DetectionSettings settings = DetectionSettings.builder().zone(berlin).build();
    Traffic t = new Traffic(BurnRateMeter.create(settings, ticker), ticker, 16);
    DoubleUnaryOperator batch = m -> {
      java.time.LocalTime local = start.plusSeconds((long) m * 60).atZone(berlin).toLocalTime();
      return local.getHour() == 4 && local.getMinute() < 3 ? 500 : 50;
    };
    long change = java.time.Duration.between(start, java.time.Instant.parse("2026-03-29T00:00:00Z")).toMinutes();
    t.run(change + 4 * DAY, batch);
    assertThat(count(t.events, 0, 4 * DAY, true)).as("trips on its first days").isPositive();
    assertThat(count(t.events, 4 * DAY, change, true)).as("trips between its third day and the change").isZero();
    assertThat(count(t.events, change, change + 4 * DAY, true)).as("trips after the change").isZero();
  }

  private static double firstRunaway(Traffic t, long from) {
    return t.events.stream().filter(e -> e.event().isRunaway() && e.nanos() >= from * Traffic.MINUTE)
        .mapToDouble(e -> e.minute() - from).findFirst().orElse(Double.POSITIVE_INFINITY);
  }
}
