package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.runaway.ManualTicker;
import dev.runaway.stats.internal.Evidence;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Randomized checks of the held rule's per-call threshold ({@code heldTrip}) against the rule
 * judged at the close ({@code held}), and of the pure hold ({@code holdAt}) against the one that
 * moves the ring ({@code holdFor}), on random evidence states.
 */
final class HeldTripFuzzTest {

  static final class Access {
    final BurnRateMeter meter;
    final Method heldTrip;
    final Method held;
    final Method holdAt;
    final Method holdFor;
    final Method raw;
    final Field judgingDay;

    Access(DetectionSettings settings) throws Exception {
      this(BurnRateMeter.create(settings, ManualTicker.create()));
    }

    Access(BurnRateMeter meter) throws Exception {
      this.meter = meter;
      heldTrip = method("heldTrip", Evidence.class, long.class, double.class, double.class);
      held = method("held", Evidence.class, double.class, double.class, double.class, double.class);
      holdAt = method("holdAt", Evidence.class, long.class);
      holdFor = method("holdFor", Evidence.class);
      raw = method("raw", double.class, double.class);
      judgingDay = BurnRateMeter.class.getDeclaredField("judgingDay");
      judgingDay.setAccessible(true);
    }

    private static Method method(String name, Class<?>... types) throws Exception {
      Method m = BurnRateMeter.class.getDeclaredMethod(name, types);
      m.setAccessible(true);
      return m;
    }

    double heldTrip(Evidence ev, long day, double m, double minEx) throws Exception {
      return (double) heldTrip.invoke(meter, ev, day, m, minEx);
    }

    boolean held(Evidence ev, long day, double xe, double m, double minEx) throws Exception {
      judgingDay.setLong(meter, day);
      return (boolean) held.invoke(meter, ev, xe, m, minEx, 1.0);
    }

    double holdAt(Evidence ev, long day) throws Exception {
      return (double) holdAt.invoke(meter, ev, day);
    }

    double holdFor(Evidence ev, long day) throws Exception {
      judgingDay.setLong(meter, day);
      return (double) holdFor.invoke(meter, ev);
    }

    long raw(double x, double unit) throws Exception {
      return (long) raw.invoke(null, x, unit);
    }
  }

  static Evidence copy(Evidence ev) throws Exception {
    Evidence c = new Evidence();
    for (Field f : Evidence.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers())) {
        continue;
      }
      Object v = f.get(ev);
      if (v instanceof double[] a) {
        System.arraycopy(a, 0, (double[]) f.get(c), 0, a.length);
      } else if (v instanceof long[] a) {
        System.arraycopy(a, 0, (long[]) f.get(c), 0, a.length);
      } else {
        f.set(c, v);
      }
    }
    return c;
  }

  static String describe(Evidence ev) {
    return String.format("held=%s clear=%s excess=%s owedBack=%s expected=%s deficit=%s owed=%s at %s runDay=%d"
        + " runDays=%d runs=%s", ev.held, ev.heldClear, ev.heldExcess, ev.heldOwed, ev.heldExpected, ev.deficit,
        ev.owed, ev.owedLevel, ev.runDay, ev.runDays,
        java.util.Arrays.toString(ev.dayRuns));
  }

  private static double logUniform(SplittableRandom r, double lo, double hi) {
    return Math.exp(Math.log(lo) + r.nextDouble() * (Math.log(hi) - Math.log(lo)));
  }

  private static Evidence randomEvidence(SplittableRandom r, double holdBuckets, double m) {
    Evidence ev = new Evidence();
    int held = r.nextInt(4) == 0 ? 0 : r.nextInt((int) holdBuckets + 2);
    ev.held = held;
    ev.heldClear = r.nextInt(3) == 0 ? held : r.nextInt(held + 1);
    double expected = 0;
    for (int i = 0; i < held; i++) {
      expected += r.nextInt(3) == 0 ? m : m * logUniform(r, 1e-3, 1e7);
    }
    ev.heldExpected = expected;
    double mult = switch (r.nextInt(4)) {
      case 0 -> 7;
      case 1 -> 7 - 1e-12 * r.nextDouble();
      default -> 4 + 8 * r.nextDouble();
    };
    ev.heldExcess = held == 0 ? 0 : mult * expected;
    ev.deficit = r.nextBoolean() ? 0 : m * logUniform(r, 1e-6, 100);
    if (ev.heldClear < held && ev.deficit == 0 && r.nextBoolean()) {
      ev.deficit = 0;
    }
    if (r.nextInt(4) == 0) {
      ev.owed = m * logUniform(r, 1e-6, 100);
      ev.owedLevel = 1 + r.nextDouble();
    }
    ev.heldOwed = held == 0 || r.nextBoolean() ? 0 : ev.heldExcess * r.nextDouble();
    if (r.nextInt(10) > 0) {
      ev.runDay = 20_000 + r.nextInt(20);
      ev.runDays = r.nextInt(3) == 0 ? 7 : r.nextInt(8);
      for (int i = 0; i < 7; i++) {
        ev.dayRuns[i] = switch (r.nextInt(4)) {
          case 0 -> 0;
          case 1 -> r.nextInt(8);
          case 2 -> r.nextDouble() * 8;
          default -> 0;
        };
      }
    }
    return ev;
  }

  @Test
  void heldTrip_isAnAmountWithWhichTheCloseTrips_andTheLeastOne() throws Exception {
    SplittableRandom r = new SplittableRandom(20261207);
    int finite = 0;
    int tight = 0;
    for (int hold : new int[] {1, 2, 3, 5, 15}) {
      for (double breaker : new double[] {5, 2, 3.7}) {
        DetectionSettings s = DetectionSettings.builder().runawayHold(Duration.ofMinutes(hold))
            .breakerMultiplier(breaker).spikeMultiplier(Math.min(3, breaker)).build();
        Access a = new Access(s);
        for (int i = 0; i < 40_000; i++) {
          double m = r.nextInt(5) == 0 ? 1e-6 : logUniform(r, 1e-6, 1e5);
          double unit = r.nextBoolean() ? 1 : logUniform(r, 1, 1e9);
          double minEx = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 10 / unit;
            default -> logUniform(r, 1e-3, 1e3) / unit;
          };
          Evidence ev = randomEvidence(r, hold, m);
          long day = ev.runDay == Long.MIN_VALUE ? 20_000 : ev.runDay + r.nextInt(12) - 3;
          double ht = a.heldTrip(copy(ev), day, m, minEx);
          String as = describe(ev) + String.format(" day=%d m=%s minEx=%s unit=%s ht=%s hold=%d x%s", day, m, minEx,
              unit, ht, hold, breaker);
          if (ht < Double.POSITIVE_INFINITY) {
            finite++;
            long c = a.raw(ht, unit);
            if (c == Long.MAX_VALUE) {
              continue;
            }
            assertThat(a.held(copy(ev), day, c / unit, m, minEx)).as(as + " c=" + c).isTrue();
            if (c > 1 && !a.held(copy(ev), day, (c - 1) / unit, m, minEx)) {
              tight++;
            } else if (c > 2 && unit == 1 && ht < 1e6 && a.held(copy(ev), day, c - 2, m, minEx)) {
              // The margin may cost a call (1e-9 of the amount rounds up past an integer), not two.
              fail(as + " not the least: " + (c - 2) + " trips too");
            }
            // Exactly at the threshold, without raw()'s rounding up.
            assertThat(a.held(copy(ev), day, ht, m, minEx)).as(as + " exact").isTrue();
          } else {
            assertThat(a.held(copy(ev), day, 1e30, m, minEx)).as(as + " (no amount trips)").isFalse();
          }
        }
      }
    }
    // Not vacuous: many states have a threshold, and most thresholds are the least amount that trips.
    assertThat(finite).isGreaterThan(1000);
    assertThat(tight).isGreaterThan(finite / 2);
  }

  @Test
  void holdAt_isHoldFor_onRandomRings() throws Exception {
    SplittableRandom r = new SplittableRandom(7);
    Access a = new Access(DetectionSettings.builder().runawayHold(Duration.ofMinutes(15)).build());
    for (int i = 0; i < 200_000; i++) {
      Evidence ev = randomEvidence(r, 15, 1);
      long day = ev.runDay == Long.MIN_VALUE ? r.nextInt(100) - 50 : ev.runDay + r.nextInt(24) - 8;
      if (r.nextInt(50) == 0) {
        day = ev.runDay + 1_000_000 * (r.nextBoolean() ? 1 : -1);
      }
      double pure = a.holdAt(copy(ev), day);
      Evidence moved = copy(ev);
      double moving = a.holdFor(moved, day);
      assertThat(pure).as(describe(ev) + " day " + day).isEqualTo(moving);
      // And read again from the moved ring.
      assertThat(a.holdAt(moved, day)).isEqualTo(moving);
    }
  }
}
