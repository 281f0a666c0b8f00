package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.stats.internal.Evidence;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/**
 * Where the sustained test is off, the breaker's statistical test asks its minimum excess of its own
 * rise (Evidence.breakerExcess). Review of d515d18 (helper nu75) found it kept in ev.excess: carried
 * into the sustained test after a switch back on, and kept past an episode's end. These call the
 * private judge() directly on one channel (calls, phi 0, m 1).
 */
final class ExcessCarryTest {

  static final class J {
    final BurnRateMeter meter;
    final Method judge;
    final Object verdict;
    final Evidence ev;

    J(DetectionSettings s) throws Exception {
      meter = BurnRateMeter.create(s, ManualTicker.create());
      Method j = null;
      for (Method x : BurnRateMeter.class.getDeclaredMethods()) {
        if (x.getName().equals("judge") && x.getParameterCount() == 12) {
          j = x;
        }
      }
      j.setAccessible(true);
      judge = j;
      verdict = HeldTripTrafficTest.get(meter, "verdict");
      ev = ((Evidence[]) HeldTripTrafficTest.get(meter, "evidence"))[0];
    }

    /** Judges one closed bucket of calls; returns {raiseSpike, raiseRunaway}. */
    int[] bucket(double xe, double minEx, double tol) throws Exception {
      Method reset = verdict.getClass().getDeclaredMethod("reset", boolean.class);
      reset.setAccessible(true);
      reset.invoke(verdict, false);
      double breakerTol = Math.pow(tol, 2.0 / 3.0); // exp(1 sigma) where tol = exp(1.5 sigma)
      judge.invoke(meter, verdict, 0, true, false, xe, 1.0, 0.0, minEx, tol, breakerTol, 1e9, 1.0);
      return new int[] {field("raiseSpike"), field("raiseRunaway")};
    }

    int field(String n) throws Exception {
      Field f = verdict.getClass().getDeclaredField(n);
      f.setAccessible(true);
      return f.getInt(verdict);
    }
  }

  /**
   * A bucket judged with the sustained test off (tol 2: 2/2 < 1.1), then one with it on (tol 1.2):
   * the breaker's excess of the first is not the sustained rise's, so a one-bucket rise with 24
   * calls of excess (below the minimum excess, 30) is not flagged (it was: 19 + 24 = 43).
   */
  @Test
  void theBreakersExcessOfAnOffBucket_isNotASustainedRisesAfterTheSwitch() throws Exception {
    DetectionSettings s = DetectionSettings.builder().minExcessCalls(30).build();
    J carried = new J(s);
    carried.bucket(20, 30, 2.0);
    assertThat(carried.ev.sustained).as("sustained CUSUM after the off bucket").isZero();
    assertThat(carried.ev.excess).as("the sustained rise's excess after the off bucket").isZero();
    assertThat(carried.ev.breakerExcess).as("the breaker's own excess").isEqualTo(19.0);
    carried.bucket(25, 30, 1.2);
    assertThat(carried.ev.sustained).isEqualTo(10.0);
    assertThat(carried.ev.excess).isEqualTo(24.0);
    assertThat(carried.ev.pendingRise).as("not risen (24 < minEx 30)").isZero();
  }

  /**
   * An episode's end clears the breaker's CUSUMs (settle()) and the excess of their rise with them:
   * the next rise does not inherit it (a bucket of 22 tripped on 21 of its own excess, below 3 x 10).
   */
  @Test
  void theBreakersExcess_endsWithItsCusums() throws Exception {
    J stale = new J(DetectionSettings.defaults());
    stale.bucket(20, 10, 2.0);
    assertThat(stale.ev.breakerFast).isPositive();
    assertThat(stale.ev.breakerExcess).isEqualTo(19.0);
    Method settle = BurnRateMeter.class.getDeclaredMethod("settle", MeterEvent.class, boolean.class, int.class,
        long.class);
    settle.setAccessible(true);
    java.util.concurrent.atomic.AtomicInteger level =
        (java.util.concurrent.atomic.AtomicInteger) HeldTripTrafficTest.get(stale.meter, "level");
    level.set(1);
    settle.invoke(stale.meter, MeterEvent.NONE, false, 1, Long.MAX_VALUE / 2);
    assertThat(stale.ev.breakerFast).as("the episode ended").isZero();
    assertThat(stale.ev.breakerExcess).isZero();
    int[] r = stale.bucket(22, 10, 2.0);
    assertThat(r[1]).as("21 < 3 x 10: no trip").isEqualTo(-1);
  }
}
