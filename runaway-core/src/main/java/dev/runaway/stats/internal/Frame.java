package dev.runaway.stats.internal;

/**
 * One open bucket of a burn-rate meter: where it starts, and the thresholds precomputed when it
 * opened, so that judging a call is a single comparison.
 *
 * <p>For each of {@link #SUBS} sub-slots of elapsed time (sixteenths of the bucket) and each
 * channel, {@code alert} and {@code breaker} hold the smallest amount in the bucket so far that
 * raises the event; {@link Long#MAX_VALUE} means "not possible now" (warm-up, or an episode already
 * at that level). A sub-slot's thresholds are computed for its <em>end</em>, so that judging early
 * in the sub-slot is conservative.
 *
 * <p>Written by the thread that opens the bucket before it publishes the frame through a volatile
 * field, then read-only except for {@link #hot}: safe to share.
 */
public final class Frame {

  /** Sub-slots per bucket. */
  public static final int SUBS = 16;

  /** The bucket's start, in ticker nanoseconds. */
  public final long start;
  /** The bucket's start on the wall clock, in nanoseconds since the epoch. */
  public final long wallStart;
  /** Calls in the previous bucket (for the current rate). */
  public final long prevCalls;
  /** Spend in the previous bucket, nano-dollars. */
  public final long prevCost;
  /** Sub-slots per nanosecond of elapsed time. */
  public final double subScale;

  /** Alert thresholds of the call channel per sub-slot. */
  public final long[] callAlert = new long[SUBS];
  /** Alert thresholds of the cost channel per sub-slot. */
  public final long[] costAlert = new long[SUBS];
  /** Breaker thresholds of the call channel per sub-slot. */
  public final long[] callBreaker = new long[SUBS];
  /** Breaker thresholds of the cost channel per sub-slot. */
  public final long[] costBreaker = new long[SUBS];

  /** Expected amount for the whole bucket per channel, in raw units (calls, nano-dollars). */
  public final double[] expected = new double[2];
  /** Raw units per effective (Poisson-like) unit per channel. */
  public final double[] unit = new double[2];
  /** Expected amount in effective units per channel. */
  public final double[] mean = new double[2];
  /** Dispersion in effective units per channel, including the baseline's own uncertainty. */
  public final double[] phi = new double[2];
  /** The tolerated level per channel: e^(1.5 sigma) of the learned level variability, 1 for a steady service. */
  public final double[] tolerance = new double[2];
  /** The breaker's tolerated level per channel: e^(sigma) of the learned level variability. */
  public final double[] breakerTolerance = new double[2];
  /**
   * The excess (effective units) with which one bucket trips the breaker before a run is under way
   * (the bucket before it was not at the breaker multiple).
   */
  public final double[] lone = new double[2];
  /**
   * The factor per channel by which this time of day is expected to rise above the seasonal
   * expectation, from the bursts that recurred here (see {@link RecurringBursts}); 1 for none.
   * {@link #expected} and {@link #mean} include it.
   */
  public final double[] recur = {1, 1};
  /** Whether warm-up was complete when the bucket opened. */
  public boolean warm;
  /**
   * Whether the bucket's expectation came from seasonal slots that have each learned about a whole
   * day ({@link SeasonalBaseline#seasonLearned}); if not, or if the bucket is not {@link #warm},
   * the hour this bucket closes into adds at most the cap's variance to the level variability.
   */
  public boolean seasonLearned;

  /** Set when a call crossed a threshold during the bucket: the bucket counts as hot. */
  public volatile boolean hot;
  /**
   * Set when a call crossed a breaker threshold of the call (cost) channel during the bucket: the
   * held run this bucket ends or continues tripped, even if the close's own judgement (of an amount
   * that stopped at the trip, the guard refusing the calls after it) does not trip.
   */
  public volatile boolean callTripped;
  /** See {@link #callTripped}. */
  public volatile boolean costTripped;

  /**
   * Creates a frame.
   *
   * @param start the start in ticker nanoseconds
   * @param wallStart the start on the wall clock
   * @param bucketNanos the bucket width
   * @param prevCalls calls in the previous bucket
   * @param prevCost spend in the previous bucket
   */
  public Frame(long start, long wallStart, long bucketNanos, long prevCalls, long prevCost) {
    this.start = start;
    this.wallStart = wallStart;
    this.prevCalls = prevCalls;
    this.prevCost = prevCost;
    this.subScale = SUBS / (double) bucketNanos;
  }

  /**
   * Returns the sub-slot of a reading inside this bucket.
   *
   * @param now the ticker's reading
   * @return 0 to {@link #SUBS} - 1
   */
  public int sub(long now) {
    long elapsed = now - start;
    if (elapsed <= 0) {
      return 0;
    }
    int s = (int) (elapsed * subScale);
    return s < SUBS ? s : SUBS - 1;
  }
}
