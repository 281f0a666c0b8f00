package dev.runaway.stats;

import dev.runaway.ManualTicker;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

/**
 * Drives a meter with simulated traffic, one real {@code onCall} (and {@code onCost}) per call,
 * spread evenly over each minute, and records every event with its time.
 */
final class Traffic {

  static final long MINUTE = 60_000_000_000L;

  final ManualTicker ticker;
  BurnRateMeter meter;
  final SplittableRandom random;
  final List<Event> events = new ArrayList<>();
  long costPerCall = 1_000_000L;

  record Event(MeterEvent event, long nanos) {
    double minute() {
      return nanos / (double) MINUTE;
    }
  }

  Traffic(BurnRateMeter meter, ManualTicker ticker, long seed) {
    this.meter = meter;
    this.ticker = ticker;
    this.random = new SplittableRandom(seed);
  }

  static Traffic create(DetectionSettings settings, long seed) {
    ManualTicker ticker = ManualTicker.create();
    return new Traffic(BurnRateMeter.create(settings, ticker), ticker, seed);
  }

  /** The current minute since the start (Monday 00:00 UTC). */
  long minute() {
    return ticker.nanoTime() / MINUTE;
  }

  /** Runs {@code minutes} minutes with a Poisson number of calls at {@code rate(minute)} per minute. */
  Traffic run(long minutes, DoubleUnaryOperator rate) {
    long start = minute();
    for (long t = start; t < start + minutes; t++) {
      long n = poisson(rate.applyAsDouble(t));
      calls(t, n);
    }
    return this;
  }

  /** Places {@code n} calls evenly over minute {@code t}, then moves the clock to the minute's end. */
  void calls(long t, long n) {
    for (long i = 0; i < n; i++) {
      long now = t * MINUTE + (i * MINUTE + MINUTE / 2) / n;
      at(now);
      record(meter.onCall(now), now);
      record(meter.onCost(now, costPerCall), now);
    }
    at((t + 1) * MINUTE);
    record(meter.advance((t + 1) * MINUTE), (t + 1) * MINUTE);
  }

  void at(long now) {
    if (now > ticker.nanoTime()) {
      ticker.advanceNanos(now - ticker.nanoTime());
    }
  }

  void record(MeterEvent e, long now) {
    if (e != MeterEvent.NONE) {
      events.add(new Event(e, now));
    }
  }

  /** Minutes from minute {@code from} to the first runaway event at or after it, if any. */
  java.util.Optional<Double> minutesToTrip(long from) {
    return events.stream().filter(e -> e.event().isRunaway() && e.nanos() >= from * MINUTE).findFirst()
        .map(e -> e.minute() - from);
  }

  List<Event> since(double minute) {
    return events.stream().filter(e -> e.minute() >= minute).toList();
  }

  long poisson(double mean) {
    return poisson(random, mean);
  }

  /** A Poisson draw (normal above a mean of 50), 0 for a mean at or below 0. */
  static long poisson(SplittableRandom random, double mean) {
    if (mean <= 0) {
      return 0;
    }
    if (mean > 50) {
      return Math.max(0, Math.round(mean + Math.sqrt(mean) * random.nextGaussian()));
    }
    double limit = Math.exp(-mean);
    double p = random.nextDouble();
    long k = 0;
    while (p > limit) {
      p *= random.nextDouble();
      k++;
    }
    return k;
  }

  /** A diurnal rate: {@code base * (1 + 0.6 sin(2 pi t / 1440))}, a 4x swing from trough to peak. */
  static DoubleUnaryOperator diurnal(double base) {
    return t -> base * (1 + 0.6 * Math.sin(2 * Math.PI * t / 1440));
  }
}
