package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class BurnRateMeterTest {

  private static final long MINUTE = Traffic.MINUTE;
  private static final DetectionSettings DEFAULTS = DetectionSettings.defaults();

  @Test
  void beforeWarmUp_raisesNoSpikeOrRunaway() {
    Traffic t = Traffic.create(DEFAULTS, 1);
    t.run(6 * 60, m -> 10);
    t.run(60, m -> 1000);

    assertThat(t.events).isEmpty();
    assertThat(t.meter.snapshot(t.ticker.nanoTime()).warmedUp()).isFalse();
    assertThat(t.meter.snapshot(t.ticker.nanoTime()).baselineCallsPerMinute()).isNaN();
  }

  @Test
  void absoluteCap_tripsTheBreakerEvenDuringWarmUp() {
    Traffic t = Traffic.create(DEFAULTS.toBuilder().callRateCap(100).build(), 2);
    t.run(60, m -> 10);
    long surge = t.minute();
    t.run(5, m -> 1000);

    assertThat(t.events).isNotEmpty();
    assertThat(t.events.get(0).event()).isEqualTo(MeterEvent.CALL_RUNAWAY);
    assertThat(t.events.get(0).minute() - surge).isLessThan(0.2);
  }

  @Test
  void seasonalWeek_raisesNothing() {
    Traffic t = Traffic.create(DEFAULTS, 3);
    t.run(8 * 1440, Traffic.diurnal(20));

    assertThat(t.events).isEmpty();
    assertThat(t.meter.snapshot(t.ticker.nanoTime()).warmedUp()).isTrue();
  }

  @Test
  void hundredfoldBurst_tripsOnceItsFirstBucketHasSpentAnHourOfTheUsual() {
    Traffic t = Traffic.create(DEFAULTS, 4);
    t.run(2 * 1440, m -> 10);
    assertThat(t.events).isEmpty();
    long bucket = t.minute();
    t.calls(bucket, 1000);

    assertThat(t.events).extracting(Traffic.Event::event).contains(MeterEvent.CALL_RUNAWAY);
    Traffic.Event trip = t.events.stream().filter(e -> e.event().isRunaway()).findFirst().orElseThrow();
    // The bucket before was normal: the breaker waits for an hour of the usual amount (about 600
    // calls, the 610th of 1,000 spread over the minute comes 36.6 s in), then trips within the bucket.
    assertThat(Duration.ofNanos(trip.nanos() - bucket * MINUTE))
        .isBetween(Duration.ofSeconds(33), Duration.ofSeconds(40));
  }

  @Test
  void burstConfinedToOneBucket_alertsButDoesNotTrip() {
    Traffic t = Traffic.create(DEFAULTS, 4);
    t.run(2 * 1440, m -> 10);
    assertThat(t.events).isEmpty();
    // One order, one batch: 40x the expectation for one minute (400 calls, 40 minutes of the usual),
    // then the usual traffic again.
    t.calls(t.minute(), 400);
    t.run(120, m -> 10);

    assertThat(t.events).extracting(Traffic.Event::event).contains(MeterEvent.CALL_SPIKE)
        .noneMatch(MeterEvent::isRunaway);
  }

  @Test
  void burstThatGoesOnIntoASecondBucket_tripsEarlyInIt() {
    Traffic t = Traffic.create(DEFAULTS, 4);
    t.run(2 * 1440, m -> 10);
    long bucket = t.minute();
    t.calls(bucket, 400);
    assertThat(t.events).noneMatch(e -> e.event().isRunaway());
    t.calls(bucket + 1, 400);

    Traffic.Event trip = t.events.stream().filter(e -> e.event().isRunaway()).findFirst().orElseThrow();
    assertThat(Duration.ofNanos(trip.nanos() - (bucket + 1) * MINUTE)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void twoHourRunaway_isNotLearnedIntoTheBaseline() {
    assertRunawayNotLearned(DEFAULTS);
  }

  @Test
  void twoHourRunaway_isNotLearnedWhenTheBreakerIsDisabled() {
    assertRunawayNotLearned(DEFAULTS.toBuilder().breakerEnabled(false).build());
  }

  private static void assertRunawayNotLearned(DetectionSettings settings) {
    Traffic t = Traffic.create(settings, 5);
    t.run(3 * 1440 + 10 * 60, m -> 20);
    long runaway = t.minute();
    double before = t.meter.snapshot(runaway * MINUTE + 1).baselineCallsPerMinute();
    t.run(120, m -> 200);
    assertThat(t.events).isNotEmpty();
    t.run(1440 - 120 + 30, m -> 20);
    long sameHourNextDay = runaway + 1440 + 30;
    t.at(sameHourNextDay * MINUTE);
    t.meter.onCall(sameHourNextDay * MINUTE);
    double after = t.meter.snapshot(sameHourNextDay * MINUTE + 1).baselineCallsPerMinute();

    assertThat(before).isBetween(18.0, 22.0);
    assertThat(after).isCloseTo(before, org.assertj.core.data.Percentage.withPercentage(5));
  }

  @Test
  void volatileService_toleratesABusyDay_whileASteadyOneAlerts() {
    SplittableRandom random = new SplittableRandom(17);
    double[] days = new double[11];
    for (int d = 0; d < days.length; d++) {
      days[d] = Math.exp(0.3 * random.nextGaussian());
    }
    Traffic steady = Traffic.create(DEFAULTS, 18).run(10 * 1440, m -> 60);
    Traffic volatileDays = Traffic.create(DEFAULTS, 19).run(10 * 1440, m -> 60 * days[(int) (m / 1440)]);
    double steadyBase = steady.meter.snapshot(steady.ticker.nanoTime()).baselineCallsPerMinute();
    double volatileBase = volatileDays.meter.snapshot(volatileDays.ticker.nanoTime()).baselineCallsPerMinute();
    double from = steady.minute();

    steady.run(6 * 60, m -> 1.5 * steadyBase);
    volatileDays.run(6 * 60, m -> 1.5 * volatileBase);

    assertThat(steady.since(from)).extracting(Traffic.Event::event).contains(MeterEvent.CALL_SPIKE);
    assertThat(volatileDays.since(from)).isEmpty();
  }

  @Test
  void spikeEscalatesToRunaway_thenResolvesOnce() {
    Traffic t = Traffic.create(DEFAULTS, 6);
    t.costPerCall = 0;
    t.run(2 * 1440, m -> 20);
    t.run(10, m -> 80);
    t.run(10, m -> 400);
    t.run(90, m -> 20);

    assertThat(t.events).extracting(Traffic.Event::event)
        .containsExactly(MeterEvent.CALL_SPIKE, MeterEvent.CALL_RUNAWAY, MeterEvent.RESOLVED);
  }

  @Test
  void costRunaway_isSeenWhileCallsStaySteady() {
    Traffic t = Traffic.create(DEFAULTS, 7);
    t.run(2 * 1440, m -> 20);
    t.costPerCall = 20_000_000L;
    long start = t.minute();
    t.run(10, m -> 20);

    assertThat(t.events).isNotEmpty();
    assertThat(t.events).extracting(Traffic.Event::event).contains(MeterEvent.COST_RUNAWAY)
        .doesNotContain(MeterEvent.CALL_SPIKE, MeterEvent.CALL_RUNAWAY);
    assertThat(t.events.get(0).minute() - start).isLessThan(2);
  }

  @Test
  void burstBelowMinimumExcess_isQuietAtLowRates() {
    Traffic t = Traffic.create(DEFAULTS, 8);
    t.run(2 * 1440, m -> 0.2);
    t.calls(t.minute(), 8);
    t.run(60, m -> 0.2);
    assertThat(t.events).isEmpty();

    t.calls(t.minute(), 60);
    assertThat(t.events).isNotEmpty();
  }

  @Test
  void advance_endsAnEpisodeWhenCallsStop() {
    Traffic t = Traffic.create(DEFAULTS, 9);
    t.run(2 * 1440, m -> 10);
    t.calls(t.minute(), 2000);
    assertThat(t.events).extracting(Traffic.Event::event).contains(MeterEvent.CALL_RUNAWAY);
    long later = (t.minute() + 31) * MINUTE;
    t.at(later);

    assertThat(t.meter.advance(later)).isEqualTo(MeterEvent.RESOLVED);
    assertThat(t.meter.advance(later + MINUTE)).isEqualTo(MeterEvent.NONE);
    assertThat(t.meter.snapshot(later).inEpisode()).isFalse();
  }

  @Test
  void snapshot_reportsCurrentRatesAndBaselinePerHour() {
    Traffic t = Traffic.create(DEFAULTS, 10);
    t.run(2 * 1440, m -> 60);
    long now = t.minute() * MINUTE + 30_000_000_000L;
    t.calls(t.minute(), 60);
    MeterSnapshot s = t.meter.snapshot(now);

    assertThat(s.warmedUp()).isTrue();
    assertThat(s.inEpisode()).isFalse();
    assertThat(s.callsPerMinute()).isBetween(40.0, 80.0);
    assertThat(s.baselineCallsPerMinute()).isBetween(55.0, 65.0);
    // 60 calls a minute at $0.001 each: $3.60 an hour.
    assertThat(s.baselineCostPerHour()).isBetween(3.3, 3.9);
    assertThat(s.costPerHour()).isBetween(2.4, 4.8);
  }

  @Test
  void eightRacingThreads_getEachEventExactlyOnce() throws Exception {
    BaselineState warm = Traffic.create(DEFAULTS, 11).run(2 * 1440, m -> 10).meter.exportBaseline();
    for (int round = 0; round < 20; round++) {
      ManualTicker ticker = ManualTicker.create().advance(Duration.ofDays(3));
      BurnRateMeter meter = BurnRateMeter.create(DEFAULTS, ticker, warm);
      long bucket = ticker.nanoTime();
      meter.onCall(bucket);
      List<MeterEvent> burst = race(meter, bucket + 30_000_000_000L, 500);
      assertThat(burst).filteredOn(MeterEvent::isRunaway).hasSize(1);
      assertThat(burst).filteredOn(MeterEvent::isSpike).hasSizeLessThanOrEqualTo(1);
      assertThat(burst).doesNotContain(MeterEvent.RESOLVED);

      long quiet = bucket + 40 * MINUTE;
      ticker.advanceNanos(quiet - ticker.nanoTime());
      List<MeterEvent> after = race(meter, quiet, 1);
      assertThat(after).containsExactly(MeterEvent.RESOLVED);
    }
  }

  /** Eight threads each make {@code calls} calls at {@code now}; returns every event returned. */
  private static List<MeterEvent> race(BurnRateMeter meter, long now, int calls) throws Exception {
    List<MeterEvent> events = Collections.synchronizedList(new ArrayList<>());
    Race.run(8, t -> {
      for (int c = 0; c < calls; c++) {
        MeterEvent e = meter.onCall(now);
        if (e != MeterEvent.NONE) {
          events.add(e);
        }
      }
    });
    return events;
  }

  @Test
  void exportAndRestore_roundTripTheBaseline() {
    Traffic t = Traffic.create(DEFAULTS, 12);
    t.run(2 * 1440 + 300, Traffic.diurnal(30));
    long next = (t.minute() + 1) * MINUTE;
    t.at(next);
    t.meter.onCall(next);
    BaselineState state = t.meter.exportBaseline();
    BaselineState decoded = BaselineState.fromBytes(state.toBytes());

    assertThat(decoded).isEqualTo(state).hasSameHashCodeAs(state);
    assertThat(decoded.bucket()).isEqualTo(Duration.ofMinutes(1));
    assertThat(decoded.seasonality()).isEqualTo(Seasonality.WEEKLY);
    assertThat(decoded.history()).isGreaterThanOrEqualTo(Duration.ofDays(2));
    // About 2.5 KB, plus 224 bytes of the record of usual peaks (version 4).
    assertThat(state.toBytes().length).isLessThan(2850);

    BurnRateMeter restored = BurnRateMeter.create(DEFAULTS, t.ticker, decoded);
    restored.onCall(next);
    MeterSnapshot a = t.meter.snapshot(next);
    MeterSnapshot b = restored.snapshot(next);
    assertThat(b.warmedUp()).isTrue();
    assertThat(b.baselineCallsPerMinute()).isEqualTo(a.baselineCallsPerMinute());
    assertThat(b.baselineCostPerHour()).isEqualTo(a.baselineCostPerHour());
    assertThat(restored.exportBaseline()).isEqualTo(state);
  }

  @Test
  void restore_rejectsABaselineOfAnotherBucket() {
    BaselineState state = Traffic.create(DEFAULTS, 13).run(60, m -> 5).meter.exportBaseline();
    DetectionSettings halfMinute = DEFAULTS.toBuilder().bucket(Duration.ofSeconds(30)).build();

    assertThatThrownBy(() -> BurnRateMeter.create(halfMinute, ManualTicker.create(), state))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bucket PT1M")
        .hasMessageContaining("PT30S");
  }

  @Test
  void restore_acceptsADailyStateIntoAWeeklyMeter() {
    DetectionSettings daily = DEFAULTS.forKeys();
    BaselineState state = Traffic.create(daily, 14).run(2 * 1440, m -> 10).meter.exportBaseline();
    BurnRateMeter weekly = BurnRateMeter.create(DEFAULTS, ManualTicker.create(), state);

    assertThat(state.seasonality()).isEqualTo(Seasonality.DAILY);
    assertThat(weekly.exportBaseline().learnedBuckets()).isEqualTo(state.learnedBuckets());
  }

  @Test
  void observe_judgesIrregularPollsAgainstTheirExpectedAmount() {
    ManualTicker ticker = ManualTicker.create();
    BurnRateMeter meter = BurnRateMeter.create(DEFAULTS, ticker);
    SplittableRandom random = new SplittableRandom(15);
    Instant t = ticker.instant();
    List<MeterEvent> events = new ArrayList<>();
    Instant end = t.plus(Duration.ofDays(3));
    while (t.isBefore(end)) {
      Duration len = Duration.ofMinutes(2 + random.nextInt(14)).plusSeconds(random.nextInt(60));
      double calls = 12 * len.toSeconds() / 60.0 * (1 + 0.05 * random.nextGaussian());
      MeterEvent e = meter.observe(t, t.plus(len), Math.max(0, calls), (long) (calls * 1_000_000));
      if (e != MeterEvent.NONE) {
        events.add(e);
      }
      t = t.plus(len);
    }
    assertThat(events).isEmpty();
    assertThat(meter.snapshot(0).warmedUp()).isTrue();
    assertThat(meter.snapshot(0).baselineCallsPerMinute()).isBetween(11.0, 13.0);

    assertThat(meter.observe(t, t.plus(Duration.ofMinutes(10)), 1200, 1_200_000_000L))
        .isIn(MeterEvent.CALL_RUNAWAY, MeterEvent.COST_RUNAWAY);
    t = t.plus(Duration.ofMinutes(10));
    List<MeterEvent> after = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      after.add(meter.observe(t, t.plus(Duration.ofMinutes(7)), 84, 84_000_000L));
      t = t.plus(Duration.ofMinutes(7));
    }
    assertThat(after).filteredOn(e -> e != MeterEvent.NONE).containsExactly(MeterEvent.RESOLVED);
  }

  @Test
  void observe_judgesDailyTotalsAgainstTheDaysExpectation() {
    BurnRateMeter meter = BurnRateMeter.create(DEFAULTS, ManualTicker.create());
    Instant day = Instant.parse("2026-01-05T00:00:00Z");
    for (int d = 0; d < 10; d++) {
      assertThat(meter.observe(day, day.plus(Duration.ofDays(1)), 14_400 * (1 + 0.01 * (d % 3 - 1)), 0))
          .isEqualTo(MeterEvent.NONE);
      day = day.plus(Duration.ofDays(1));
    }
    assertThat(meter.observe(day, day.plus(Duration.ofDays(1)), 3 * 14_400, 0)).isEqualTo(MeterEvent.CALL_SPIKE);
  }

  @Test
  void observe_learnsOverlappingTimeOnlyOnce() {
    BurnRateMeter meter = BurnRateMeter.create(DEFAULTS, ManualTicker.create());
    Instant t = Instant.parse("2026-01-05T00:00:00Z");
    meter.observe(t, t.plus(Duration.ofMinutes(10)), 100, 0);
    meter.observe(t, t.plus(Duration.ofMinutes(10)), 100, 0);
    meter.observe(t.plus(Duration.ofMinutes(5)), t.plus(Duration.ofMinutes(20)), 150, 0);

    assertThat(meter.exportBaseline().learnedBuckets()).isEqualTo(20);
  }

  @Test
  void observe_rejectsBadIntervalsAndAmounts() {
    BurnRateMeter meter = BurnRateMeter.create(DEFAULTS, ManualTicker.create());
    Instant t = Instant.parse("2026-01-05T00:00:00Z");

    assertThatThrownBy(() -> meter.observe(t, t, 1, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("to must be after from");
    assertThatThrownBy(() -> meter.observe(t, t.plusSeconds(60), -1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callCount");
    assertThatThrownBy(() -> meter.observe(t, t.plusSeconds(60), Double.NaN, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callCount");
    assertThatThrownBy(() -> meter.observe(t, t.plusSeconds(60), 1, -5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("costNanos");
  }

  @Test
  void onCalls_rejectsNegativeCounts() {
    BurnRateMeter meter = BurnRateMeter.create(DEFAULTS, ManualTicker.create());

    assertThatThrownBy(() -> meter.onCalls(0, -1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("count must be >= 0, got -1");
  }

  @Test
  void costCap_tripsOnSpendAlone() {
    DetectionSettings capped = DEFAULTS.toBuilder().costRateCap(Cost.usd("6")).build();
    Traffic t = Traffic.create(capped, 16);
    t.costPerCall = 20_000_000L;
    t.run(10, m -> 2);
    assertThat(t.events).isEmpty();
    t.run(2, m -> 10);

    assertThat(t.events).extracting(Traffic.Event::event).containsExactly(MeterEvent.COST_RUNAWAY);
  }
}
