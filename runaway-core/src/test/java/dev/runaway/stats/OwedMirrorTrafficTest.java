package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.stats.internal.Evidence;
import dev.runaway.stats.internal.Frame;
import dev.runaway.stats.internal.Tails;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Random traffic with gaps (minutes to a day), catch-ups (spread or flushed at once), days above
 * and below the learned level and runaways right after gaps, through a real meter: for every
 * bucket whose evidence owes a shortfall ({@link Evidence#owed} &gt; 0), each sub-slot's per-call
 * breaker threshold that comes from the statistical test (not the held rule's, not a cap) must be
 * an amount with which the close's statistical test trips with the same evidence (judged, as
 * {@code fill} does, against the sub-slot's share of the expectation): never below it. The oracle
 * is an independent copy of the test in {@code judge} (the amount less what it pays back of what
 * is owed), cross-checked against the breaker CUSUMs the real close leaves behind.
 *
 * <p>A threshold below the close's trip that the close misses without anything owed too would not
 * be the owed term's; it is counted apart and must not occur either: it did where the day-level
 * tolerance switches the sustained-rise CUSUM off (sustained multiple / tolerance below 1.1): the
 * close's excess stayed 0 and its statistical test never tripped, while {@code fill}'s excess term
 * ({@code m + 3 minEx - excess}) stayed finite. There the close now measures the excess of the
 * breaker's own rise (see {@link VolatileLevelTest}), as this oracle does.
 */
final class OwedMirrorTrafficTest {

  private static final long MINUTE = Traffic.MINUTE;
  private static final long DAY = 86_400_000_000_000L;
  private static final double MIN_MEAN = 1e-6;
  private static final double MIN_FRACTION = 0.25;
  private static final double BREAKER_EXCESS = 3.0;

  /** The meter's private parts the oracle needs. */
  static final class Oracle {
    final BurnRateMeter meter;
    final HeldTripTrafficTest.Probe probe;
    final Method sustainedLlr;
    final double breakerMultiplier;
    final double sustainedMultiplier;
    final double breakerEvidence;
    final long[] cap;
    long owedBuckets;
    long checked;
    long crossChecked;
    long unrelated;
    String unrelatedExample;

    Oracle(DetectionSettings s, ManualTicker ticker) throws Exception {
      probe = new HeldTripTrafficTest.Probe(s, ticker);
      meter = probe.meter;
      sustainedLlr = BurnRateMeter.class.getDeclaredMethod("sustainedLlr", double.class, double.class,
          double.class, double.class);
      sustainedLlr.setAccessible(true);
      breakerMultiplier = s.breakerMultiplier();
      sustainedMultiplier = s.sustainedMultiplier();
      breakerEvidence = s.breakerEvidence();
      cap = (long[]) HeldTripTrafficTest.get(meter, "capPerBucket");
    }

    /** The breaker CUSUMs after judging {@code xe} (fast, slow) and whether the statistical test trips. */
    double[] judge(Evidence ev, double xe, double m, double phi, double minEx, double tol, double breakerTol,
        double lone) throws Exception {
      double payback = 0;
      if (ev.owed > 0) {
        double level = ev.owedLevel * m;
        payback = Math.min(ev.owed * level, Math.max(0, xe - level));
      }
      double xb = xe - payback;
      double sustained = Math.max(0, ev.sustained + (double) sustainedLlr.invoke(meter, xe, m, phi, tol));
      double excess = sustained > 0 ? ev.excess + (xe - m) : 0;
      double bm = breakerMultiplier * breakerTol * m;
      double fast = clamp(ev.breakerFast + Tails.llr(xb, bm, phi, 2.0, Math.log(2.0)), breakerEvidence);
      double slow = clamp(ev.breakerSlow + Tails.llr(xb, bm, phi, 1.25, Math.log(1.25)), breakerEvidence);
      if (tol != 1 && sustainedMultiplier / tol < 1.1) {
        // the sustained test off: the breaker's own rise's excess
        excess = fast > 0 || slow > 0 ? ev.breakerExcess + (xe - m) : 0;
      }
      boolean trip = (ev.rose || xb - m >= lone)
          && (fast >= breakerEvidence || slow >= breakerEvidence)
          && excess >= BREAKER_EXCESS * minEx;
      return new double[] {fast, slow, trip ? 1 : 0, xb, sustained, excess, minEx, tol, lone};
    }

    private static double clamp(double s, double max) {
      return s < 0 ? 0 : Math.min(s, max);
    }
  }

  /** A frame as it opened: its evidence (for the cross-check at its close). */
  static final class Opened {
    Frame frame;
    Evidence[] ev = new Evidence[2];
    boolean trips;
  }

  static Opened open(Oracle o) throws Exception {
    HeldTripTrafficTest.Probe p = o.probe;
    Frame f = p.frame();
    if (f == null) {
      return null;
    }
    Opened op = new Opened();
    op.frame = f;
    op.trips = f.warm && p.breakerEnabled && p.level.get() < 3;
    long day = Math.floorDiv(f.wallStart, DAY);
    for (int ch = 0; ch < 2; ch++) {
      Evidence ev = HeldTripFuzzTest.copy(p.evidence[ch]);
      op.ev[ch] = ev;
      if (!op.trips || !(ev.owed > 0)) {
        continue;
      }
      o.owedBuckets++;
      double unit = f.unit[ch];
      double minEx = p.minExcess[ch] / unit;
      long held = p.a.raw(p.a.heldTrip(HeldTripFuzzTest.copy(ev), day, f.mean[ch], minEx), unit);
      long[] breaker = ch == 0 ? f.callBreaker : f.costBreaker;
      for (int j = 0; j < Frame.SUBS; j++) {
        long b = breaker[j];
        if (b == Long.MAX_VALUE || b >= held || b == o.cap[ch]) {
          continue; // not the statistical test's threshold
        }
        double m = Math.max(MIN_MEAN, f.mean[ch] * Math.max(MIN_FRACTION, (j + 1) / (double) Frame.SUBS));
        // The threshold's amount, with the rounding raw() allows.
        double x = b / unit * (1 + 1e-9) + 1e-9;
        double[] r = o.judge(HeldTripFuzzTest.copy(ev), x, m, f.phi[ch], minEx, f.tolerance[ch],
            f.breakerTolerance[ch], f.lone[ch]);
        o.checked++;
        if (r[2] != 1.0) {
          // Does the close fail to trip at this amount without anything owed too? Then the
          // mismatch is not the owed term's (see the test below).
          Evidence free = HeldTripFuzzTest.copy(ev);
          free.owed = 0;
          double[] q = o.judge(free, x, m, f.phi[ch], minEx, f.tolerance[ch], f.breakerTolerance[ch], f.lone[ch]);
          if (q[2] != 1.0) {
            o.unrelated++;
            if (o.unrelatedExample == null) {
              o.unrelatedExample = String.format("channel %d sub %d threshold %s effective, m %s, tol %s, judged %s",
                  ch, j, b / unit, m, f.tolerance[ch], java.util.Arrays.toString(q));
            }
            continue;
          }
        }
        assertThat(r[2]).as("channel %d sub %d: threshold %d (%s effective, m %s of %s) at %s is below the close's"
            + " trip; owed %s at %s, fast %s slow %s rose %s excess %s sustained %s; judged %s", ch, j, b, b / unit, m,
            f.mean[ch], Instant.ofEpochSecond(0, f.wallStart), ev.owed, ev.owedLevel, ev.breakerFast, ev.breakerSlow,
            ev.rose, ev.excess, ev.sustained, java.util.Arrays.toString(r)).isEqualTo(1.0);
      }
    }
    return op;
  }

  /**
   * After the bucket that {@code op} opened closed (the next one directly after it): the oracle's
   * breaker CUSUMs for its final amounts are the ones the close left, unless the episode ended.
   */
  static void crossCheck(Oracle o, Opened op, long[] x) throws Exception {
    HeldTripTrafficTest.Probe p = o.probe;
    Frame f = p.frame();
    if (op == null || f == null || f.start != op.frame.start + MINUTE || !op.frame.warm) {
      return;
    }
    for (int ch = 0; ch < 2; ch++) {
      Evidence then = op.ev[ch];
      Evidence now = p.evidence[ch];
      if (!(then.owed > 0)) {
        continue;
      }
      double unit = op.frame.unit[ch];
      double[] r = o.judge(HeldTripFuzzTest.copy(then), x[ch] / unit, op.frame.mean[ch], op.frame.phi[ch],
          p.minExcess[ch] / unit, op.frame.tolerance[ch], op.frame.breakerTolerance[ch], op.frame.lone[ch]);
      if (now.breakerFast == 0 && now.breakerSlow == 0 && p.level.get() == 0) {
        continue; // the episode ended at this close and cleared them
      }
      assertThat(now.breakerFast).isCloseTo(r[0], org.assertj.core.data.Offset.offset(1e-6 * (1 + r[0])));
      assertThat(now.breakerSlow).isCloseTo(r[1], org.assertj.core.data.Offset.offset(1e-6 * (1 + r[1])));
      o.crossChecked++;
    }
  }

  @Test
  void aThresholdOfABucketThatOwes_isNeverBelowTheClosesStatisticalTrip() throws Exception {
    long owed = 0;
    long checked = 0;
    long crossChecked = 0;
    long unrelated = 0;
    for (long seed = 1; seed <= 8; seed++) {
      SplittableRandom r = new SplittableRandom(seed * 104_729);
      DetectionSettings.Builder b = DetectionSettings.builder()
          .breakerEvidence(r.nextInt(3) == 0 ? 12 : 7)
          .minExcessCalls(r.nextInt(3) == 0 ? 1 : 10)
          .recurringBursts(r.nextBoolean());
      if (r.nextInt(3) == 0) {
        b.runawayHold(Duration.ZERO);
      }
      ManualTicker ticker = ManualTicker.create();
      Oracle o = new Oracle(b.build(), ticker);
      run(o, ticker, r, 10 * 1440);
      owed += o.owedBuckets;
      checked += o.checked;
      crossChecked += o.crossChecked;
      unrelated += o.unrelated;
      System.out.printf("seed %d: owed buckets %d, thresholds checked %d, cross-checked %d, unrelated %d %s%n",
          seed, o.owedBuckets, o.checked, o.crossChecked, o.unrelated, o.unrelatedExample);
    }
    assertThat(owed).isGreaterThan(1000);
    assertThat(checked).isGreaterThan(1000);
    assertThat(crossChecked).isGreaterThan(500);
    assertThat(unrelated).as("statistical thresholds below the close's trip with nothing owed").isZero();
  }

  private static void run(Oracle o, ManualTicker ticker, SplittableRandom r, long minutes) throws Exception {
    HeldTripTrafficTest.Probe p = o.probe;
    double base = Math.exp(Math.log(0.5) + r.nextDouble() * Math.log(400));
    long costBase = 100_000 + r.nextInt(5_000_000);
    double day = 1;
    double burst = 1;
    long burstLeft = 0;
    boolean flush = false;
    Opened op = null;
    long t = 0;
    while (t < minutes) {
      if (t % 1440 == 0) {
        // The level of the day: the baseline does not follow it.
        day = t < 3 * 1440 ? 1 : Math.exp(r.nextGaussian() * 0.35);
      }
      int e = r.nextInt(2500);
      if (t > 2 * 1440 && burstLeft == 0 && e < 6) {
        // A gap, then a catch-up, a runaway, or nothing.
        long gap = r.nextInt(8) == 0 ? 240 + r.nextInt(1440) : 5 + r.nextInt(120);
        t += gap;
        int after = r.nextInt(3);
        if (after == 0) {
          burst = 2 + r.nextDouble() * 10;
          burstLeft = 1 + r.nextInt(Math.max(1, (int) Math.min(60, gap / 2)));
          flush = r.nextInt(3) == 0;
        } else if (after == 1) {
          burst = 4 + r.nextDouble() * 10;
          burstLeft = 5 + r.nextInt(40);
          flush = false;
        }
      } else if (burstLeft == 0 && e < 9) {
        burst = 3 + r.nextDouble() * 12;
        burstLeft = 1 + r.nextInt(20);
        flush = false;
      }
      double diurnal = 1 + 0.6 * Math.sin(2 * Math.PI * t / 1440.0);
      double rate = base * day * diurnal * (burstLeft > 0 ? burst : 1);
      if (burstLeft > 0) {
        burstLeft--;
      }
      long n = Traffic.poisson(r, rate);
      long start = t * MINUTE;
      if (n == 0) {
        t++;
        continue;
      }
      // A flushed catch-up arrives within the first seconds of the minute.
      long span = flush ? MINUTE / 8 : MINUTE;
      for (long i = 0; i < n; i++) {
        long now = start + (i * span + r.nextLong(Math.max(1, span / n))) / n;
        now = Math.min(now, start + MINUTE - 1);
        if (now > ticker.nanoTime()) {
          ticker.advanceNanos(now - ticker.nanoTime());
        }
        Frame fr = p.frame();
        boolean rolls = fr == null || now - fr.start >= MINUTE;
        long[] x = null;
        if (rolls) {
          x = new long[] {p.count(0), p.count(1)};
        }
        p.meter.onCalls(now, 1);
        if (rolls) {
          crossCheck(o, op, x);
          op = open(o);
        }
        p.meter.onCost(now, (long) (costBase * Math.exp(r.nextGaussian() * 0.5)));
      }
      t++;
    }
  }
}
