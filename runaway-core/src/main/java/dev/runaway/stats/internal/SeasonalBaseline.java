package dev.runaway.stats.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.zone.ZoneRules;

/**
 * The learned expected amount per bucket, for two channels (calls and cost), as a function of the
 * time of day (and of the week): the baseline of one burn-rate meter.
 *
 * <p>Each slot holds an exponentially weighted mean of the amounts of the buckets near its centre
 * (a triangular kernel one hour wide on each side); the expectation for a bucket is the linear
 * interpolation between the two neighbouring slot centres, which follows a smooth daily curve
 * without the steps of plain hourly slots. The mean is kept on the linear scale (a weighted mean
 * of counts is unbiased even when most buckets hold zero calls, which a mean of log-counts is
 * not); the decision works on the log-ratio of observed to expected. Each slot starts as a plain
 * running mean and turns exponential once it has seen a half-life's worth of buckets.
 *
 * <p>Hour-of-week slots are learned alongside and take over for a bucket once both of its
 * neighbouring week slots have seen about three weeks of history.
 *
 * <p>Besides the slots: a global level per channel (used for slots that have no data yet), and the
 * dispersion per channel, estimated by moments from the residuals of learned buckets (pooled: the
 * sum of {@code (x - m)^2 - m} over the sum of {@code m^2}, exponentially weighted over about a
 * day). The dispersion also absorbs the error of the seasonal model itself, which keeps the
 * significance honest.
 *
 * <p>Finally, the <em>level variability</em> per channel: how far whole hours (or whole polled
 * intervals) stray from their expectation beyond what the count noise explains, as the
 * exponentially weighted excess of the squared log-ratio over its sampling variance (half-life
 * about five days of hours), shrunk towards zero by one and a half standard errors. Real traffic
 * has busy and quiet days that the per-bucket noise model does not capture; the decision allows for
 * them so that a volatile service does not alert on every busy day, while a steady one keeps its
 * full sensitivity.
 *
 * <p>Memory: three float arrays of the daily slots and three of the weekly ones, plus a few
 * doubles. Updates are O(1) per closed bucket.
 *
 * <p>Not thread-safe: the meter calls it under its roll lock. The position fields
 * ({@link #locate}) are scratch state shared by {@link #expected}, {@link #effectiveN} and
 * {@link #learn}.
 */
public final class SeasonalBaseline {

  /** The call channel. */
  public static final int CALLS = 0;
  /** The cost channel. */
  public static final int COST = 1;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;
  private static final double MAX_DISPERSION = 10;
  /**
   * The share of a day's pass a slot must have learned for {@link #seasonLearned}: 0.85 (with
   * 40-minute buckets in a zone half an hour off the hour, a slot receives 0.89 of a pass a day).
   */
  private static final double SEASON_LEARNED = 0.85;
  /**
   * The most one hour judged against slots not yet learned ({@link #seasonLearned}) adds to the
   * level variability beyond its count noise: 1, the variance of the cap (sigma 1). Learned whole,
   * a shop's first evening, which expected the day's traffic (the overall mean) and got none, added
   * about 35 and held the variability above its cap for more than a week. Such hours are still
   * learned, with the others: not learned at all, a service's first day after warm-up had no
   * allowance for its swings (a service whose hours swing by e at random raised 32 spike alerts and
   * 3 false trips on its second day in 20 runs, instead of 4 and 1); learned apart, as a
   * provisional estimate faded out over two days of learned hours, a shop's closed nights (drops,
   * not learned) stretched the fade to about six days (see benchmarks/REAL-RUNS.md, session 44).
   */
  private static final double MAX_PROVISIONAL_EXCESS = 1;

  private final int dailySlots;
  private final int weeklySlots;
  private final long bucketNanos;
  private final double bucketsPerHour;
  private final double alphaDay;
  private final double alphaWeek;
  private final double alphaLevel;
  private final double dispersionDecay;
  private final double weekReady;
  private final ZoneRules zone;

  private final float[][] day;
  private final float[] dayWeight;
  private final float[][] week;
  private final float[] weekWeight;
  private final double[] level = new double[2];
  private double levelWeight;
  private final double[] dispersionNum = new double[2];
  private final double[] dispersionDen = new double[2];
  private double learnedBuckets;
  private final double alphaVariability;
  private final double[] hourX = new double[2];
  private final double[] hourM = new double[2];
  private final double[] hourVar = new double[2];
  /** The sum of the effective units of the hour's buckets, and how many there were. */
  private final double[] hourUnit = new double[2];
  private final int[] hourCount = new int[2];
  private double hourBuckets;
  private double hourFactor = 1;
  /** Whether a span of the current hour was judged against slots not yet learned ({@link #seasonLearned}). */
  private boolean hourProvisional;
  private final double[] levelVariance = new double[2];
  private final double[] samplingVariance = new double[2];
  private double variabilityWeight;

  private int d0;
  private int d1;
  private double dw;
  private int w0;
  private int w1;
  private double ww;
  private boolean useWeek;

  /**
   * Creates an empty baseline.
   *
   * @param dailySlots 1 (no seasonality) or 24
   * @param weeklySlots 0 or 168
   * @param bucketNanos the bucket width
   * @param halfLifeNanos the half-life of the daily slots in elapsed time
   * @param zone the zone of the slots' hours
   */
  public SeasonalBaseline(int dailySlots, int weeklySlots, long bucketNanos, long halfLifeNanos, ZoneId zone) {
    this.dailySlots = dailySlots;
    this.weeklySlots = weeklySlots;
    this.bucketNanos = bucketNanos;
    this.bucketsPerHour = 3600.0 * NANOS_PER_SECOND / bucketNanos;
    double halfLifeBuckets = halfLifeNanos / (double) bucketNanos;
    double halfLifeDays = halfLifeNanos / (86_400.0 * NANOS_PER_SECOND);
    // A daily slot receives one hour's worth of bucket weight per day; without seasonality the
    // single slot receives every bucket.
    double dayUpdatesPerHalfLife = dailySlots == 1 ? halfLifeBuckets : Math.max(1, halfLifeDays * bucketsPerHour);
    this.alphaDay = 1 - Math.pow(0.5, 1 / dayUpdatesPerHalfLife);
    // Week slots keep as many seasons as the day slots: seven times the half-life, one hour's
    // weight per week.
    this.alphaWeek = 1 - Math.pow(0.5, 1 / Math.max(1, halfLifeDays * bucketsPerHour));
    this.alphaLevel = 1 - Math.pow(0.5, 1 / Math.max(1, halfLifeBuckets));
    this.dispersionDecay = Math.pow(0.5, bucketNanos / (86_400.0 * NANOS_PER_SECOND));
    this.weekReady = 2.5 * bucketsPerHour;
    this.alphaVariability = 1 - Math.pow(0.5, 1 / (5 * 24.0));
    this.zone = zone.getRules();
    this.day = new float[2][dailySlots];
    this.dayWeight = new float[dailySlots];
    this.week = new float[2][weeklySlots];
    this.weekWeight = new float[weeklySlots];
  }

  /**
   * Positions the model on the bucket that starts at {@code startEpochNanos}; the following
   * calls to {@link #expected}, {@link #effectiveN} and {@link #learn} refer to it.
   *
   * @param startEpochNanos the bucket's start, in nanoseconds since the epoch
   */
  public void locate(long startEpochNanos) {
    long mid = startEpochNanos + bucketNanos / 2;
    long seconds = Math.floorDiv(mid, NANOS_PER_SECOND);
    int offset = zone.isFixedOffset() ? zone.getOffset(Instant.EPOCH).getTotalSeconds()
        : zone.getOffset(Instant.ofEpochSecond(seconds)).getTotalSeconds();
    long local = seconds + offset;
    double hourOfDay = Math.floorMod(local, 86_400L) / 3600.0
        + Math.floorMod(mid, NANOS_PER_SECOND) / (3600.0 * NANOS_PER_SECOND);
    if (dailySlots == 1) {
      d0 = 0;
      d1 = 0;
      dw = 0;
    } else {
      double q = hourOfDay - 0.5;
      double f = Math.floor(q);
      dw = q - f;
      d0 = Math.floorMod((int) f, dailySlots);
      d1 = (d0 + 1) % dailySlots;
    }
    useWeek = false;
    if (weeklySlots > 0) {
      // 1970-01-01 was a Thursday; Monday is day 0.
      long dayIndex = Math.floorDiv(local, 86_400L);
      int dow = (int) Math.floorMod(dayIndex + 3, 7L);
      double q = dow * 24 + hourOfDay - 0.5;
      double f = Math.floor(q);
      ww = q - f;
      w0 = Math.floorMod((int) f, weeklySlots);
      w1 = (w0 + 1) % weeklySlots;
      useWeek = weekWeight[w0] >= weekReady && weekWeight[w1] >= weekReady;
    }
  }

  /**
   * Returns the expected amount of the located bucket.
   *
   * @param ch the channel
   * @return the expected amount per bucket, not negative
   */
  public double expected(int ch) {
    double fallback = level[ch];
    if (useWeek) {
      return (1 - ww) * week[ch][w0] + ww * week[ch][w1];
    }
    double a = dayWeight[d0] > 0 ? day[ch][d0] : fallback;
    double b = dayWeight[d1] > 0 ? day[ch][d1] : fallback;
    return Math.max(0, (1 - dw) * a + dw * b);
  }

  /**
   * Returns the effective number of buckets behind the located expectation: the variance of the
   * estimate is about the variance of one bucket divided by this.
   *
   * @return the effective sample size, at least 1
   */
  public double effectiveN() {
    double inv;
    if (useWeek) {
      inv = sq(1 - ww) / cap(weekWeight[w0], alphaWeek) + sq(ww) / cap(weekWeight[w1], alphaWeek);
    } else {
      inv = sq(1 - dw) / cap(dayWeight[d0], alphaDay) + sq(dw) / cap(dayWeight[d1], alphaDay);
    }
    // The triangular kernel weighs buckets unequally, which costs about a third of the sample.
    double n = 1 / inv;
    return Math.max(1, dailySlots == 1 && !useWeek ? n : n * 2 / 3);
  }

  /**
   * Whether the located bucket's expectation comes from slots that have each learned about a whole
   * day's pass of the day ({@code SEASON_LEARNED}, 0.85, of the hour of bucket weight that the
   * triangular kernel gives a slot over the two hours around its centre), or from the hour-of-week
   * slots. Until then the expectation is partly the service's overall mean or a slot half learned:
   * on a service with opening hours the first evening's hour expected the day's traffic and got
   * none, a log-ratio of about -6 that, learned with the weight of one of the first few hours, held
   * the level variability above its cap for more than a week. Such an hour's squared log-ratio beyond
   * its count noise is capped ({@code MAX_PROVISIONAL_EXCESS}).
   *
   * @return whether the level variability may learn the located bucket's hour in full
   */
  public boolean seasonLearned() {
    if (useWeek) {
      return true;
    }
    double full = SEASON_LEARNED * bucketsPerHour;
    return dayWeight[d0] >= full && dayWeight[d1] >= full;
  }

  /** Whether the located bucket uses the hour-of-week slots. */
  public boolean usesWeek() {
    return useWeek;
  }

  /**
   * Learns the located bucket's amounts.
   *
   * @param calls the (winsorised) call amount
   * @param cost the (winsorised) cost amount
   * @param factor the learning weight, 1 normally, less during an episode
   */
  public void learn(double calls, double cost, double factor) {
    update(day, dayWeight, d0, (1 - dw) * factor, alphaDay, calls, cost);
    if (dailySlots > 1) {
      update(day, dayWeight, d1, dw * factor, alphaDay, calls, cost);
    }
    if (weeklySlots > 0) {
      update(week, weekWeight, w0, (1 - ww) * factor, alphaWeek, calls, cost);
      update(week, weekWeight, w1, ww * factor, alphaWeek, calls, cost);
    }
    levelWeight += factor;
    double a = Math.max(alphaLevel * factor, factor / levelWeight);
    level[CALLS] += a * (calls - level[CALLS]);
    level[COST] += a * (cost - level[COST]);
  }

  /**
   * Learns one residual for the dispersion of a channel, in effective units.
   *
   * @param ch the channel
   * @param x the observed amount
   * @param m the expected amount
   * @param sumSquares the sum over the buckets covered of the squared expected amounts
   *     ({@code m * m} for one bucket): what multiplies the dispersion in the variance
   * @param squaredCap the cap on the squared residual (robustness against outliers)
   * @param buckets the number of buckets covered, for the decay
   * @param weight the learning weight (1 normally)
   */
  public void learnDispersion(int ch, double x, double m, double sumSquares, double squaredCap, double buckets,
      double weight) {
    double decay = Math.pow(dispersionDecay, buckets);
    double d = x - m;
    dispersionNum[ch] = decay * dispersionNum[ch] + weight * (Math.min(d * d, squaredCap) - m);
    dispersionDen[ch] = decay * dispersionDen[ch] + weight * sumSquares;
  }

  /**
   * Returns the learned dispersion of a channel in effective units.
   *
   * @param ch the channel
   * @return the dispersion phi, 0 for Poisson
   */
  public double dispersion(int ch) {
    if (!(dispersionDen[ch] > 0)) {
      return 0;
    }
    double phi = dispersionNum[ch] / dispersionDen[ch];
    return phi > 0 ? Math.min(MAX_DISPERSION, phi) : 0;
  }

  /**
   * Returns whether the located bucket's slots have seen at least {@code buckets} buckets.
   *
   * @param buckets the weight required
   * @return whether both neighbouring slots have that much weight
   */
  public boolean established(double buckets) {
    return dayWeight[d0] >= buckets && dayWeight[d1] >= buckets;
  }

  /**
   * Counts elapsed buckets towards warm-up.
   *
   * @param buckets the number of buckets, possibly fractional
   */
  public void countBucket(double buckets) {
    learnedBuckets += buckets;
  }

  /** Returns the number of whole buckets counted towards warm-up. */
  public long learnedBuckets() {
    return (long) (learnedBuckets + 1e-9);
  }

  /**
   * Returns the global level of a channel: its mean amount per bucket over about a half-life.
   *
   * @param ch the channel
   * @return the level
   */
  public double level(int ch) {
    return level[ch];
  }

  /** Returns the weight behind the global levels. */
  public double levelWeight() {
    return levelWeight;
  }

  /**
   * Adds one bucket's (or polled interval's) amounts of a channel, given in effective units, to the
   * current hour.
   *
   * <p>The hour sums them in the channel's own unit (each amount times its bucket's effective
   * unit): the effective unit of spend follows the learned spend per call, and is one nanodollar
   * before anything is learned. Summed as they were, the first bucket of a meter's life (its
   * spend in nanodollars against an expectation of nothing) made its first hour's log-ratio about
   * 13, which held the spend channel's level variability at its cap for about three weeks: the
   * spend breaker allowed e (2.7) times its multiple and the sustained-rise test was off.
   *
   * @param ch the channel
   * @param x the observed amount
   * @param m the expected amount
   * @param var the variance of the amount under the noise model
   * @param unit the effective unit the three are in (1 for calls)
   */
  public void accumulateLevel(int ch, double x, double m, double var, double unit) {
    hourX[ch] += x * unit;
    hourM[ch] += m * unit;
    hourVar[ch] += var * unit * unit;
    hourUnit[ch] += unit;
    hourCount[ch]++;
  }

  /**
   * Ends a bucket (or polled interval) for the level variability; once an hour is complete, learns
   * its log-ratio.
   *
   * @param buckets the buckets the amounts covered
   * @param factor the learning weight: 0 if the bucket must not be learned (it spoils the hour)
   * @param provisional whether the span was judged against slots not yet learned
   *     ({@link #seasonLearned}) or before warm-up: its hour's squared log-ratio beyond its count
   *     noise is capped
   */
  public void closeLevelBucket(double buckets, double factor, boolean provisional) {
    hourBuckets += buckets;
    hourFactor = Math.min(hourFactor, factor);
    hourProvisional |= provisional;
    if (hourBuckets + 1e-9 < bucketsPerHour) {
      return;
    }
    if (hourFactor > 0) {
      variabilityWeight += hourFactor;
      double a = Math.max(alphaVariability * hourFactor, hourFactor / variabilityWeight);
      for (int ch = 0; ch < 2; ch++) {
        double m = hourM[ch];
        double u = hourCount[ch] == 0 ? 1 : hourUnit[ch] / hourCount[ch];
        if (m >= 3 * u) {
          double r = Math.log((hourX[ch] + 0.5 * u) / (m + 0.5 * u));
          double sv = hourVar[ch] / (m * m);
          // Capped as an excess over the count noise: where that noise is above the cap (a first
          // day's polled hours), a cap on r * r alone made any hour, however far off, add less than
          // nothing.
          double r2 = hourProvisional ? Math.min(r * r, MAX_PROVISIONAL_EXCESS + sv) : r * r;
          levelVariance[ch] += a * (r2 - sv - levelVariance[ch]);
          samplingVariance[ch] += a * (sv - samplingVariance[ch]);
        }
      }
    }
    hourBuckets = 0;
    hourFactor = 1;
    hourProvisional = false;
    for (int ch = 0; ch < 2; ch++) {
      hourX[ch] = 0;
      hourM[ch] = 0;
      hourVar[ch] = 0;
      hourUnit[ch] = 0;
      hourCount[ch] = 0;
    }
  }

  /**
   * Returns the standard deviation of the log-level of whole hours beyond the count noise, shrunk
   * towards zero by one and a half standard errors of its estimate.
   *
   * @param ch the channel
   * @return the level's log standard deviation, 0 to 1
   */
  public double levelSigma(int ch) {
    double n = Math.max(1, Math.min(variabilityWeight, 2 / alphaVariability));
    double v = levelVariance[ch] - 1.5 * Math.sqrt(2 / n) * samplingVariance[ch];
    return v > 0 ? Math.min(1, Math.sqrt(v)) : 0;
  }

  /** Returns the level-variability state: per channel the variance and sampling variance, then the weight. */
  public double[] variabilityState() {
    return new double[] {levelVariance[CALLS], samplingVariance[CALLS], levelVariance[COST], samplingVariance[COST],
        variabilityWeight};
  }

  // ---- export and import (for BaselineState) ----

  /** Returns a copy of the day slots of a channel. */
  public float[] daySlots(int ch) {
    return day[ch].clone();
  }

  /** Returns a copy of the day slots' weights. */
  public float[] dayWeights() {
    return dayWeight.clone();
  }

  /** Returns a copy of the week slots of a channel. */
  public float[] weekSlots(int ch) {
    return week[ch].clone();
  }

  /** Returns a copy of the week slots' weights. */
  public float[] weekWeights() {
    return weekWeight.clone();
  }

  /** Returns the dispersion numerator and denominator of a channel. */
  public double[] dispersionSums(int ch) {
    return new double[] {dispersionNum[ch], dispersionDen[ch]};
  }

  /**
   * Restores learned state; arrays of another length than this model's are ignored (a daily state
   * restored into a weekly model keeps its day slots and learns the week slots afresh).
   */
  public void restore(float[][] daySlots, float[] dayWeights, float[][] weekSlots, float[] weekWeights,
      double[] levels, double levelW, double[][] dispersionSums, long learned, double[] variability) {
    if (dayWeights.length == dailySlots) {
      System.arraycopy(dayWeights, 0, dayWeight, 0, dailySlots);
      for (int ch = 0; ch < 2; ch++) {
        System.arraycopy(daySlots[ch], 0, day[ch], 0, dailySlots);
      }
    } else {
      // No slot structure to keep: start each slot from the level, with little weight.
      for (int i = 0; i < dailySlots; i++) {
        dayWeight[i] = levelW > 0 ? 1 : 0;
        day[CALLS][i] = (float) levels[CALLS];
        day[COST][i] = (float) levels[COST];
      }
    }
    if (weekWeights.length == weeklySlots) {
      System.arraycopy(weekWeights, 0, weekWeight, 0, weeklySlots);
      for (int ch = 0; ch < 2; ch++) {
        System.arraycopy(weekSlots[ch], 0, week[ch], 0, weeklySlots);
      }
    }
    level[CALLS] = levels[CALLS];
    level[COST] = levels[COST];
    levelWeight = levelW;
    for (int ch = 0; ch < 2; ch++) {
      dispersionNum[ch] = dispersionSums[ch][0];
      dispersionDen[ch] = dispersionSums[ch][1];
    }
    learnedBuckets = learned;
    levelVariance[CALLS] = variability[0];
    samplingVariance[CALLS] = variability[1];
    levelVariance[COST] = variability[2];
    samplingVariance[COST] = variability[3];
    variabilityWeight = variability[4];
  }

  private static void update(float[][] values, float[] weights, int i, double w, double alpha, double calls,
      double cost) {
    if (w <= 0) {
      return;
    }
    double n = weights[i] + w;
    weights[i] = (float) Math.min(n, 1e7);
    double a = Math.max(alpha * w, w / n);
    values[CALLS][i] = (float) (values[CALLS][i] + a * (calls - values[CALLS][i]));
    values[COST][i] = (float) (values[COST][i] + a * (cost - values[COST][i]));
  }

  private static double cap(float weight, double alpha) {
    return Math.max(1e-3, Math.min(weight, (2 - alpha) / alpha));
  }

  private static double sq(double x) {
    return x * x;
  }
}
