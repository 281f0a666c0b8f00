package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Where a service's hours swing so widely around their seasonal expectation that no sustained rise
 * is news (a learned level variability of about 0.4 or more, in log terms), the sustained-rise test
 * is off and its excess stays 0. The breaker's statistical test then asks its minimum excess of its
 * own rise (the excess since its CUSUMs left 0): before, the close could never trip by it while
 * the per-call thresholds still did (a call tripped where the close would not have; see
 * {@link OwedMirrorTrafficTest} for that invariant). Switching the per-call thresholds off instead
 * left such services the held rule only: a runaway of 100x here waited for the 15-minute hold, as
 * one on two bursty tweet series of the real-traffic replay did.
 */
final class VolatileLevelTest {

  private static final long MINUTE = Traffic.MINUTE;

  /**
   * Three days whose hours each run at e^{@code swing} or e^-{@code swing} (at random) times 10
   * calls a minute: at 1, hours at 2.7 and 0.37 times it, none above twice their mean.
   */
  private static Traffic swinging(long seed, double swing) {
    return swinging(DetectionSettings.defaults(), seed, swing);
  }

  private static Traffic swinging(DetectionSettings settings, long seed, double swing) {
    Traffic t = Traffic.create(settings, seed);
    SplittableRandom levels = new SplittableRandom(seed * 7919);
    double[] hour = new double[3 * 24 + 2];
    for (int i = 0; i < hour.length; i++) {
      hour[i] = Math.exp(levels.nextBoolean() ? swing : -swing);
    }
    t.run(3 * 1440, m -> 10 * hour[(int) (m / 60)]);
    return t;
  }

  private static boolean tripsOnABurst(Traffic t) {
    long onset = t.minute();
    // two minutes of 300 calls, then the hour as before
    t.run(2, m -> 300);
    t.run(20, m -> 10);
    return t.minutesToTrip(onset).isPresent();
  }

  @Test
  void aRunawayOf100x_onAServiceWhoseHoursSwing_tripsWithinMinutes() {
    for (long seed = 1; seed <= 4; seed++) {
      Traffic t = swinging(seed, 1);
      double[] v = t.meter.exportBaseline().variability();
      assertThat(v[0]).as("seed %d: the calls' learned level variance", seed).isGreaterThan(0.17);
      assertThat(t.events).as("seed %d", seed).noneMatch(e -> e.event().isRunaway());
      long onset = t.minute();
      // 100 times the service's mean: 37-270 times the hour's own level, and an expectation that
      // the breaker widens by e (its level variability at the cap)
      t.run(30, m -> 1000);
      assertThat(t.minutesToTrip(onset)).as("seed %d", seed).hasValueSatisfying(d -> assertThat(d).isLessThan(3));
    }
  }

  @Test
  void aTwoMinuteBurst_onASteadyService_trips() {
    for (long seed = 1; seed <= 4; seed++) {
      Traffic t = swinging(seed, 0);
      assertThat(tripsOnABurst(t)).as("seed %d", seed).isTrue();
    }
  }

  @Test
  void aRunawayHeldForTheHold_onAServiceWhoseHoursSwing_stillTrips() {
    for (long seed = 1; seed <= 4; seed++) {
      Traffic t = swinging(seed, 1);
      long onset = t.minute();
      t.run(30, m -> 150);
      assertThat(t.minutesToTrip(onset)).as("seed %d", seed).hasValueSatisfying(d -> assertThat(d).isLessThanOrEqualTo(16));
    }
  }

  /**
   * With no minimum excess the breaker's statistical test asks for an excess of 0: the CUSUMs alone
   * decide, and a call must trip on them as the close would (with the per-call threshold switched
   * off where the sustained test is off, seed 2's burst tripped only when its second bucket closed,
   * minute 4322.0, instead of on a call at 4321.05).
   */
  @Test
  void withNoMinimumExcess_aBurstThatTripsAtTheClose_tripsOnACallFirst() {
    DetectionSettings s = DetectionSettings.builder().minExcessCalls(0).minExcessCost(Cost.ofNanos(0)).build();
    for (long seed = 1; seed <= 4; seed++) {
      Traffic t = swinging(s, seed, 1);
      long onset = t.minute();
      tripsOnABurst(t);
      // Traffic closes each minute's bucket at the minute's end: a trip there is the close's.
      assertThat(t.since(onset)).as("seed %d", seed)
          .noneMatch(e -> e.event().isRunaway() && e.nanos() % MINUTE == 0);
    }
  }
}
