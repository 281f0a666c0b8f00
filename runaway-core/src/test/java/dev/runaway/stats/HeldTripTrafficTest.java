package dev.runaway.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.stats.internal.Evidence;
import dev.runaway.stats.internal.Frame;
import dev.runaway.stats.internal.StripedCounter;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Random traffic (rates, bursts, gaps of minutes to days, catch-ups, a wall clock set back, both
 * channels) through a real meter: for every bucket whose breaker thresholds include the held rule's
 * ({@code heldTrip}), the bucket's final amount reaching that threshold must be one with which the
 * close's {@code held} trips, and the evidence the threshold was computed from must be the
 * evidence the close judges.
 */
final class HeldTripTrafficTest {

  private static final long MINUTE = Traffic.MINUTE;
  private static final long DAY = 86_400_000_000_000L;

  static Object get(Object o, String name) throws Exception {
    Field f = BurnRateMeter.class.getDeclaredField(name);
    f.setAccessible(true);
    return f.get(o);
  }

  static final class Probe {
    final HeldTripFuzzTest.Access a;
    final BurnRateMeter meter;
    final Evidence[] evidence;
    final AtomicInteger level;
    final double[] minExcess;
    final boolean breakerEnabled;
    int checked;
    int reached;
    int confirmed;

    Probe(DetectionSettings s, ManualTicker ticker) throws Exception {
      meter = BurnRateMeter.create(s, ticker);
      a = new HeldTripFuzzTest.Access(meter);
      evidence = (Evidence[]) get(meter, "evidence");
      level = (AtomicInteger) get(meter, "level");
      minExcess = (double[]) get(meter, "minExcess");
      breakerEnabled = s.breakerEnabled();
    }

    Frame frame() throws Exception {
      return (Frame) get(meter, "frame");
    }

    long count(int ch) throws Exception {
      return ((StripedCounter) get(meter, ch == 0 ? "calls" : "cost")).get();
    }
  }

  /** What a frame's opening computed, per channel. */
  static final class Opened {
    Frame frame;
    Evidence[] ev = new Evidence[2];
    boolean trips;
    long[] threshold = new long[2];
  }

  static Opened open(Probe p) throws Exception {
    Opened o = new Opened();
    o.frame = p.frame();
    if (o.frame == null) {
      return null;
    }
    int lv = p.level.get();
    o.trips = o.frame.warm && p.breakerEnabled && lv < 3;
    long day = Math.floorDiv(o.frame.wallStart, DAY);
    for (int ch = 0; ch < 2; ch++) {
      o.ev[ch] = HeldTripFuzzTest.copy(p.evidence[ch]);
      double unit = o.frame.unit[ch];
      double ht = p.a.heldTrip(HeldTripFuzzTest.copy(o.ev[ch]), day, o.frame.mean[ch], p.minExcess[ch] / unit);
      o.threshold[ch] = p.a.raw(ht, unit);
      if (o.trips) {
        long[] br = ch == 0 ? o.frame.callBreaker : o.frame.costBreaker;
        for (long b : br) {
          assertThat(b).isLessThanOrEqualTo(o.threshold[ch]);
        }
      }
    }
    return o;
  }

  /** Before the frame closes: the evidence is the one it opened with, and the held rule agrees. */
  static void beforeClose(Probe p, Opened o) throws Exception {
    if (o == null || p.frame() != o.frame) {
      return;
    }
    long day = Math.floorDiv(o.frame.wallStart, DAY);
    for (int ch = 0; ch < 2; ch++) {
      Evidence now = p.evidence[ch];
      Evidence then = o.ev[ch];
      assertThat(HeldTripFuzzTest.describe(now)).isEqualTo(HeldTripFuzzTest.describe(then));
      assertThat(now.deficit).isEqualTo(then.deficit);
      long x = p.count(ch);
      double unit = o.frame.unit[ch];
      p.checked++;
      if (o.trips && x >= o.threshold[ch]) {
        p.reached++;
        boolean held = p.a.held(HeldTripFuzzTest.copy(then), day, x / unit, o.frame.mean[ch], p.minExcess[ch] / unit);
        assertThat(held).as("channel %d: %d reached %d at %s, %s", ch, x, o.threshold[ch],
            Instant.ofEpochSecond(0, o.frame.wallStart), HeldTripFuzzTest.describe(then)).isTrue();
        p.confirmed++;
      }
    }
  }

  @Test
  void aBucketThatReachesTheHeldThreshold_isOneItsCloseTrips() throws Exception {
    long totalReached = 0;
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom r = new SplittableRandom(seed * 7919);
      DetectionSettings.Builder b = DetectionSettings.builder()
          .runawayHold(Duration.ofMinutes(1 + r.nextInt(15)))
          .breakerEvidence(r.nextBoolean() ? 100 : 12)
          .quietPeriod(Duration.ofMinutes(5 + r.nextInt(30)))
          .recurringBursts(r.nextBoolean())
          .minExcessCalls(r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(20))
          .minExcessCost(Cost.usd(r.nextBoolean() ? 0.0001 : 0.01));
      if (r.nextInt(4) == 0) {
        b.callRateCap(200 + r.nextInt(400));
      }
      if (r.nextInt(5) == 0) {
        b.breakerEnabled(false);
      }
      DetectionSettings s = b.build();
      ManualTicker ticker = ManualTicker.create();
      Probe p = new Probe(s, ticker);
      run(p, ticker, r, 12 * 1440);
      totalReached += p.reached;
    }
    assertThat(totalReached).isPositive();
  }

  private static void run(Probe p, ManualTicker ticker, SplittableRandom r, long minutes) throws Exception {
    double base = 0.5 + r.nextDouble() * 20;
    long costBase = 100_000 + r.nextInt(5_000_000);
    double burst = 1;
    // Some services are quiet (short records, so short holds), others burst often.
    boolean quiet = r.nextBoolean();
    long burstLeft = 0;
    Opened o = null;
    long t = 0;
    while (t < minutes) {
      // Events: a burst, an outage (minutes to days), the wall clock set back.
      int e = r.nextInt(quiet ? 6000 : 1500);
      if (burstLeft == 0 && e < 6) {
        burst = 3 + r.nextDouble() * 15;
        burstLeft = 1 + r.nextInt(25);
      } else if (e >= 6 && e < 9) {
        long gap = r.nextInt(10) == 0 ? 1440 + r.nextInt(4 * 1440) : 5 + r.nextInt(180);
        t += gap;
        if (r.nextBoolean()) {
          // A catch-up at 5-12x.
          burst = 5 + r.nextDouble() * 7;
          burstLeft = 2 + r.nextInt(8);
        }
      } else if (e == 9) {
        Instant wall = ticker.instant();
        ticker.setInstant(wall.minus(Duration.ofMinutes(30 + r.nextInt(600))));
      } else if (e == 10) {
        Instant wall = ticker.instant();
        ticker.setInstant(wall.plus(Duration.ofMinutes(30 + r.nextInt(600))));
      }
      double diurnal = 1 + 0.6 * Math.sin(2 * Math.PI * t / 1440.0);
      double rate = base * diurnal * (burstLeft > 0 ? burst : 1);
      if (burstLeft > 0) {
        burstLeft--;
      }
      long n = Traffic.poisson(r, rate);
      long start = t * MINUTE;
      // The first reading of this minute rolls the bucket: the checks run just before.
      if (n == 0) {
        t++;
        continue;
      }
      for (long i = 0; i < n; i++) {
        long now = start + (i * MINUTE + r.nextLong(MINUTE / Math.max(1, n))) / n;
        now = Math.min(now, start + MINUTE - 1);
        if (now > ticker.nanoTime()) {
          ticker.advanceNanos(now - ticker.nanoTime());
        }
        Frame fr = p.frame();
        if (fr == null || now - fr.start >= MINUTE) {
          beforeClose(p, o);
          if (r.nextInt(3) == 0) {
            p.meter.advance(now);
          }
        }
        long batch = r.nextInt(20) == 0 ? 1 + r.nextInt(5) : 1;
        p.meter.onCalls(now, batch);
        if (fr == null || now - fr.start >= MINUTE) {
          o = open(p);
        }
        long cost = (long) (costBase * Math.exp(r.nextGaussian() * 0.8));
        p.meter.onCost(now, cost);
      }
      t++;
    }
  }
}
