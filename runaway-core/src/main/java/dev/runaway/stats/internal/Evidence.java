package dev.runaway.stats.internal;

/**
 * The evidence accumulated by one channel of a meter across buckets: the one-sided CUSUM of the
 * log-likelihood ratio for a sustained rise, the two CUSUMs of the breaker, a CUSUM for drops
 * (which slows learning: an outage must not become the new normal), and the excess amount
 * (over the expected) since the sustained CUSUM last stood at zero.
 *
 * <p>Not thread-safe: owned by the meter's roll lock.
 */
public final class Evidence {
  /** Sustained-rise CUSUM, nats, clamped to [0, threshold]. */
  public double sustained;
  /** Excess over the expected amount since {@link #sustained} was last zero, effective units. */
  public double excess;
  /**
   * Where the sustained-rise test is off (so {@link #excess} stays 0): the excess over the expected
   * amount since the breaker's CUSUMs last both stood at zero, effective units; 0 elsewhere.
   */
  public double breakerExcess;
  /** Breaker CUSUM tuned to twice the breaker multiple, nats. */
  public double breakerFast;
  /** Breaker CUSUM tuned to 1.5 times the breaker multiple, nats. */
  public double breakerSlow;

  /** CUSUM for a drop to half the expected rate (gaps, outages), nats, clamped to [0, threshold]. */
  public double drop;

  /** Buckets (fractional for polled intervals) in the current run at or above the held multiple. */
  public double held;
  /** Excess over the expected amount during the current held run, effective units. */
  public double heldExcess;

  /**
   * Amount owed by a recent shortfall (a gap, an outage), effective units: a reflected sum of the
   * expectation less a quarter minus the amount, so that a backlog's catch-up pays it back first.
   */
  public double deficit;
  /**
   * What a recent shortfall judged a drop (a gap, an outage) left owed to the breaker's test, in
   * buckets at {@link #owedLevel} times the expectation: each bucket of the drop owes the share of
   * that amount it did not reach, up to an hour of buckets in all. A catch-up pays it back first: the breaker's statistical test
   * judges a bucket's amount less what it pays back, its amount above the owed level up to what
   * is owed at the bucket's own expectation (see {@code BurnRateMeter#judge}).
   */
  public double owed;
  /**
   * The level {@link #owed} is counted and paid back at, as a multiple of the expectation: the
   * smoothed multiple when the shortfall began, at least 1, at most the sustained and the spike
   * multiple (below the breaker multiple).
   */
  public double owedLevel = 1;
  /** Whether the last judged bucket added to {@link #owed} (a bucket of the shortfall). */
  public boolean owing;
  /**
   * What the current held run paid back of {@link #owed}, effective units: a shortened hold judges
   * the run's average multiple without it.
   */
  public double heldOwed;
  /** Expected amount over the current held run, effective units (its mean multiple's denominator). */
  public double heldExpected;
  /** Buckets of the current held run since the deficit was last paid back. */
  public double heldClear;
  /**
   * Whether the last judged bucket (or polled span) was at least the breaker multiple of its
   * expectation (and above it): the breaker's statistical test trips a run only past its first
   * bucket (a burst of one bucket alerts, unless its excess is an hour of the mean amount).
   */
  public boolean rose;
  /** Whether the current held run has tripped the breaker (a runaway is not the service's record). */
  public boolean runTripped;
  /**
   * The longest held run that ended on each of the last seven days without tripping, buckets,
   * a ring indexed by epoch day.
   */
  public final double[] dayRuns = new double[7];
  /** The day ({@code epoch day}) of the newest ring slot, or {@code Long.MIN_VALUE} before any. */
  public long runDay = Long.MIN_VALUE;
  /** Days of record kept so far, at most the ring's length. */
  public int runDays;
  /** Half-hour smoothed amount, effective units (the numerator of the smoothed multiple). */
  public double smoothAmount;
  /** Half-hour smoothed tolerated expectation, effective units (its denominator). */
  public double smoothExpected;
  /** The highest smoothed multiple of a flagged sustained rise not yet in the record (see {@link #dayRises}). */
  public double pendingRise;
  /** The highest single-bucket multiple of a flagged spike not yet in the record (see {@link #daySpikes}). */
  public double pendingSpike;
  /** The expected raw amount a bucket of the channel at {@link #pendingRise}'s span. */
  public double pendingRiseExpected;
  /** The expected raw amount a bucket of the channel at {@link #pendingSpike}'s span. */
  public double pendingSpikeExpected;
  /**
   * The highest smoothed multiple of a flagged sustained rise on each of the last seven days, not
   * counting rises that ended in a runaway; a ring indexed by epoch day like {@link #dayRuns}.
   */
  public final double[] dayRises = new double[7];
  /** The highest single-bucket multiple of a flagged spike on each of the last seven days, the same way. */
  public final double[] daySpikes = new double[7];

  /** How many alerted episodes' peaks are remembered ({@link #toldRises}). */
  public static final int TOLD_EPISODES = 8;
  /**
   * The peaks of the last alerted episodes (ones that sent a spike or runaway alert): the highest
   * smoothed multiple of a flagged sustained rise, the highest single-bucket multiple of a flagged
   * spike, and when the episode ended (ticker nanos per call, epoch nanos polled); a ring of the last
   * {@value #TOLD_EPISODES}.
   */
  public final double[] toldRises = new double[TOLD_EPISODES];
  /** See {@link #toldRises}. */
  public final double[] toldSpikes = new double[TOLD_EPISODES];
  /**
   * The expected raw amount a bucket of the channel where each told rise peaked: a peak told at a
   * quiet hour is news again, as a multiple, where the expectation is higher (a 14x blip at night
   * is not the height of a 4x rise at noon).
   */
  public final double[] toldRiseExpected = new double[TOLD_EPISODES];
  /** The same for {@link #toldSpikes}. */
  public final double[] toldSpikeExpected = new double[TOLD_EPISODES];
  /** See {@link #toldRises}; {@code Long.MIN_VALUE} for an empty entry. */
  public final long[] toldEnds = emptyEnds();
  /** The ring's next entry. */
  public int toldNext;

  private static long[] emptyEnds() {
    long[] ends = new long[TOLD_EPISODES];
    java.util.Arrays.fill(ends, Long.MIN_VALUE);
    return ends;
  }

  /** Clears the evidence; the record of held runs is kept (it is the service's history). */
  public void clear() {
    runTripped = false;
    rose = false;
    deficit = 0;
    owed = 0;
    owedLevel = 1;
    owing = false;
    heldClear = 0;
    heldExpected = 0;
    drop = 0;
    sustained = 0;
    excess = 0;
    breakerExcess = 0;
    breakerFast = 0;
    breakerSlow = 0;
    held = 0;
    heldExcess = 0;
    heldOwed = 0;
  }
}
