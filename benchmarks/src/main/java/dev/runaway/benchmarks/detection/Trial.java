package dev.runaway.benchmarks.detection;

import dev.runaway.ManualTicker;
import dev.runaway.stats.BaselineState;
import dev.runaway.stats.BurnRateMeter;
import dev.runaway.stats.DetectionSettings;
import dev.runaway.stats.MeterEvent;

/**
 * One simulated stretch of one synthetic service, fed minute by minute through the public
 * {@link BurnRateMeter} API with a {@link ManualTicker}, with the two reference detectors judging
 * the very same counts.
 *
 * <p>Each minute's calls are drawn in {@link #CHUNKS} chunks of 10 seconds (Poisson, with one
 * gamma rate factor per minute in the overdispersed variant, so that a minute's count is negative
 * binomial with variance {@code lambda + lambda^2 / 10}); each chunk reaches the meter as one
 * {@code onCalls} and one {@code onCost} at the chunk's end, so the meter judges partial buckets
 * six times a minute and alert times have a 10-second resolution. Per-call costs are log-normal
 * (mean $0.01, sigma 0.5).
 *
 * <p>Not thread-safe: one trial per thread.
 */
final class Trial {

  static final int CHUNKS = 6;
  static final long MINUTE = 60_000_000_000L;
  static final double MEAN_COST = 1e7;
  static final double COST_SIGMA = 0.5;
  static final double NB_SIZE = 10;

  private final DetectionSettings settings;
  private final Traffic traffic;
  private final boolean overdispersed;
  private final Modifier modifier;
  private final double onset;
  private final ManualTicker ticker;
  private final Sampler noise;
  private BurnRateMeter meter;
  private OracleCusum oracle;
  private final NaiveRule naive;
  private double countFrom;

  private boolean inEpisode;
  private int episodes;
  private int trips;
  private int tripsAfterOnset;
  private double firstAlert = Double.NaN;
  private double firstTrip = Double.NaN;
  private boolean preAlerted;
  private double leakedToAlert;
  private double leakedToTrip;
  private boolean restarted;

  Trial(DetectionSettings settings, Traffic traffic, boolean overdispersed, Modifier modifier, ManualTicker ticker,
      BurnRateMeter meter, Sampler noise, OracleCusum oracle, NaiveRule naive, double countFrom) {
    this.settings = settings;
    this.traffic = traffic;
    this.overdispersed = overdispersed;
    this.modifier = modifier;
    this.onset = modifier == null ? Double.POSITIVE_INFINITY : modifier.onset;
    this.ticker = ticker;
    this.meter = meter;
    this.noise = noise;
    this.oracle = oracle;
    this.naive = naive;
    this.countFrom = countFrom;
  }

  /** A trial continuing from an exported baseline at minute {@code startMinute}. */
  static Trial restored(DetectionSettings settings, Traffic traffic, boolean overdispersed, Modifier modifier,
      BaselineState baseline, long startMinute, Sampler noise, OracleCusum oracle, NaiveRule naive, double countFrom) {
    ManualTicker ticker = ManualTicker.create().advanceNanos(startMinute * MINUTE);
    BurnRateMeter meter = BurnRateMeter.create(settings, ticker, baseline);
    return new Trial(settings, traffic, overdispersed, modifier, ticker, meter, noise, oracle, naive, countFrom);
  }

  BurnRateMeter meter() {
    return meter;
  }

  /** Starts counting episodes (ours and the references') from {@code minute}, with a fresh oracle. */
  void countFrom(double minute, OracleCusum freshOracle) {
    this.countFrom = minute;
    this.oracle = freshOracle;
    this.episodes = 0;
    this.trips = 0;
  }

  /**
   * Simulates minutes {@code [from, to)}; with {@code stopWhenDetected} it stops once the alert
   * and (if {@code needTrip}) the breaker have fired after the onset.
   */
  void run(long from, long to, boolean stopWhenDetected, boolean needTrip) {
    for (long t = from; t < to; t++) {
      if (t == (long) Math.ceil(onset)) {
        preAlerted = inEpisode;
        if (modifier.nuisance == Modifier.Nuisance.RESTART && !restarted) {
          restarted = true;
          BaselineState state = meter.exportBaseline();
          meter = BurnRateMeter.create(settings, ticker, state);
          inEpisode = false;
          preAlerted = false;
        }
      }
      double normal = traffic.rate(t + 0.5);
      double gammaFactor = overdispersed ? noise.gamma(NB_SIZE, 1 / NB_SIZE) : 1;
      long minuteCount = 0;
      for (int j = 0; j < CHUNKS; j++) {
        double tm = t + (j + 0.5) / CHUNKS;
        double base = traffic.rate(tm) / CHUNKS;
        double mult = modifier == null ? 1 : modifier.multiplier(tm);
        long n = noise.poisson(base * gammaFactor * mult);
        long c = noise.costOf(n, MEAN_COST, COST_SIGMA);
        long now = t * MINUTE + (j + 1) * (MINUTE / CHUNKS) - 1000;
        ticker.advanceNanos(now - ticker.nanoTime());
        handle(n > 0 ? meter.onCalls(now, n) : meter.advance(now), now);
        if (c > 0) {
          handle(meter.onCost(now, c), now);
        }
        if (tm >= onset) {
          if (Double.isNaN(firstAlert) && !preAlerted) {
            leakedToAlert += n - base;
          }
          if (Double.isNaN(firstTrip)) {
            leakedToTrip += n - base;
          }
        }
        minuteCount += n;
      }
      oracle.step(t, minuteCount, normal, countFrom, onset);
      naive.step(t, minuteCount, countFrom, onset);
      if (stopWhenDetected && (!Double.isNaN(firstAlert) || preAlerted) && (!needTrip || !Double.isNaN(firstTrip))) {
        return;
      }
    }
  }

  private void handle(MeterEvent e, long now) {
    if (e == MeterEvent.NONE) {
      return;
    }
    double minute = now / (double) MINUTE;
    if (e == MeterEvent.RESOLVED) {
      inEpisode = false;
      return;
    }
    if (!inEpisode) {
      inEpisode = true;
      if (minute >= countFrom) {
        episodes++;
      }
    }
    if (minute >= onset && Double.isNaN(firstAlert) && !preAlerted) {
      firstAlert = minute - onset;
    }
    if (e.isRunaway()) {
      if (minute >= countFrom) {
        trips++;
      }
      if (minute >= onset) {
        tripsAfterOnset++;
        if (Double.isNaN(firstTrip)) {
          firstTrip = minute - onset;
        }
      }
    }
  }

  int episodes() {
    return episodes;
  }

  int trips() {
    return trips;
  }

  int tripsAfterOnset() {
    return tripsAfterOnset;
  }

  double firstAlert() {
    return firstAlert;
  }

  double firstTrip() {
    return firstTrip;
  }

  boolean preAlerted() {
    return preAlerted;
  }

  /** Excess calls from the onset to the alert, in minutes of normal spend (lambda0 per minute). */
  double leakedToAlert() {
    return leakedToAlert / traffic.lambda0;
  }

  double leakedToTrip() {
    return leakedToTrip / traffic.lambda0;
  }

  OracleCusum oracle() {
    return oracle;
  }

  NaiveRule naive() {
    return naive;
  }
}
