package dev.runaway.stats;

import dev.runaway.Cost;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;

/**
 * Immutable settings of burn-rate detection for one meter (a service, or a key of it).
 *
 * <p>The decision, judged on every call against the current partial bucket (see
 * {@link BurnRateMeter}):
 * <ul>
 *   <li><b>Usage spike</b> when the amount exceeds {@link #spikeMultiplier()} times the expected
 *       amount <em>and</em> its tail probability under the learned noise is below
 *       {@link #spikeSignificance()} <em>and</em> the excess is at least {@link #minExcessCalls()}
 *       calls or {@link #minExcessCost()}; or when a one-sided CUSUM of the log-likelihood ratio for
 *       a sustained {@link #sustainedMultiplier()}-fold rise reaches {@link #sustainedEvidence()}
 *       (against the learned level variability of the service, see {@link BurnRateMeter}).
 *   <li><b>Runaway</b> (breaker trip) when the evidence that the rate is above
 *       {@link #breakerMultiplier()} times the expected rate reaches {@link #breakerEvidence()}:
 *       two one-sided CUSUMs of the log-likelihood ratio, against the breaker multiple, of twice
 *       and of 1.25 times the breaker multiple. Confirmation is proportional to the evidence: 10x
 *       trips within a minute or two at 5 calls a minute, and a marginal rise (about 5.6x and
 *       above) only if it persists. The excess must also be at least three times the minimum
 *       excess. A run trips from its second bucket (the bucket before it at the breaker multiple or
 *       above); the first bucket of a run trips only once its excess is an hour of the service's
 *       mean amount per bucket (where the expectation is that mean, a 100x rate after about 36 s of
 *       its minute, a 1,000x rate after about 4 s), so that a burst confined to one bucket (one
 *       order, one batch job) is alerted, not tripped. Polled usage ({@link BurnRateMeter#observe})
 *       is judged without this rule (a poll is an interval's total). Not configurable: a rate cap
 *       ({@link #callRateCap()}, {@link #costRateCap()}) trips a fast burn at once, and budgets
 *       bound it. For a service whose level swings from hour to hour or day to day, the breaker
 *       multiple is widened by one learned standard deviation of that swing (each channel its own:
 *       spend swings with its spend per call too); where the swing is so wide (a log standard
 *       deviation of about 0.4, hours commonly 1.5 times or two thirds of their expectation) that
 *       the sustained-rise test is off, this test measures its minimum excess on its own rise (the
 *       excess since its evidence began to grow). A catch-up after a
 *       gap or an outage (a shortfall judged a drop) is judged less what it pays back: what the
 *       shortfall fell short of the level before it (the half-hour smoothed multiple of the
 *       expectation, at least 1, at most the sustained and the spike multiple), so that a backlog
 *       caught up on a day that runs above the learned level does not trip. A runaway right after
 *       a gap trips once it has paid that back; a gap owes at most an hour of that level, however
 *       long it lasted. At 50 calls a minute a 10x runaway that starts right after 30 minutes
 *       without calls trips about 5 minutes in (1.2 without the gap), after an outage of 2 to 24
 *       hours 8 to 13 minutes in; on a day at twice the learned level about 10 minutes in after a
 *       30-minute gap, and after longer ones at the held-multiple rule's full hold ({@link #runawayHold()}, which bounds it at 5 calls a minute and more). Below
 *       that the hold's minimum excess is out of reach, and a runaway right after an outage of
 *       hours may trip hours late or not within hours, more often than before this rule (at 0.5
 *       calls a minute after 8 hours, 3 runs in 8 not within 4 hours instead of 1): a budget
 *       bounds it.
 *   <li>An optional absolute cap ({@link #callRateCap()}, {@link #costRateCap()}) trips even
 *       before warm-up completes.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe; build them with {@link #builder()}.
 */
public final class DetectionSettings {

  private static final DetectionSettings DEFAULTS = builder().build();

  private final double spikeMultiplier;
  private final double breakerMultiplier;
  private final Duration bucket;
  private final boolean breakerEnabled;
  private final double sustainedMultiplier;
  private final double spikeSignificance;
  private final double sustainedEvidence;
  private final double breakerEvidence;
  private final double minExcessCalls;
  private final Cost minExcessCost;
  private final Duration quietPeriod;
  private final Duration warmUp;
  private final Duration baselineHalfLife;
  private final Seasonality seasonality;
  private final ZoneId zone;
  private final double callRateCap;
  private final Cost costRateCap;
  private final Duration runawayHold;
  private final boolean recurringBursts;
  private final boolean alertOnUsualPeaks;

  /** The default {@link #runawayHold()} in minutes. */
  public static final long DEFAULT_RUNAWAY_HOLD_MINUTES = 15;

  private DetectionSettings(Builder b) {
    this.spikeMultiplier = b.spikeMultiplier;
    this.breakerMultiplier = b.breakerMultiplier;
    this.bucket = b.bucket;
    this.breakerEnabled = b.breakerEnabled;
    this.sustainedMultiplier = b.sustainedMultiplier;
    this.spikeSignificance = b.spikeSignificance;
    this.sustainedEvidence = b.sustainedEvidence;
    this.breakerEvidence = b.breakerEvidence;
    this.minExcessCalls = b.minExcessCalls;
    this.minExcessCost = b.minExcessCost;
    this.quietPeriod = b.quietPeriod;
    this.warmUp = b.warmUp;
    this.baselineHalfLife = b.baselineHalfLife;
    this.seasonality = b.seasonality;
    this.zone = b.zone;
    this.callRateCap = b.callRateCap;
    this.costRateCap = b.costRateCap;
    this.runawayHold = b.runawayHold;
    this.recurringBursts = b.recurringBursts;
    this.alertOnUsualPeaks = b.alertOnUsualPeaks;
  }

  /**
   * Returns the defaults: spike at 3x, breaker at 5x, one-minute buckets, weekly seasonality.
   *
   * @return the defaults
   */
  public static DetectionSettings defaults() {
    return DEFAULTS;
  }

  /**
   * Returns a builder starting from the defaults.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns a builder starting from these settings.
   *
   * @return a builder
   */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * Returns the lighter variant of these settings for per-key meters: hour-of-day seasonality
   * ({@link Seasonality#DAILY}) instead of hour-of-week, about 1 KB per meter in all. Everything
   * else is unchanged.
   *
   * @return the per-key settings
   */
  public DetectionSettings forKeys() {
    return seasonality == Seasonality.WEEKLY ? toBuilder().seasonality(Seasonality.DAILY).build() : this;
  }

  /**
   * Returns the multiple of the baseline above which a usage spike is alerted.
   *
   * @return the multiplier
   */
  public double spikeMultiplier() {
    return spikeMultiplier;
  }

  /**
   * Returns the multiple of the baseline above which the breaker opens.
   *
   * @return the multiplier
   */
  public double breakerMultiplier() {
    return breakerMultiplier;
  }

  /**
   * Returns the width of a meter bucket.
   *
   * @return the bucket width
   */
  public Duration bucket() {
    return bucket;
  }

  /**
   * Whether runaways may trip the breaker (the config's {@code circuit_breaker.enabled}). When
   * off, runaways and caps raise only spike events.
   *
   * @return whether breaker trips are enabled
   */
  public boolean breakerEnabled() {
    return breakerEnabled;
  }

  /**
   * Returns the sustained rise the CUSUM is tuned to detect (default 2): rises at least this
   * large that never cross the spike multiplier are alerted once enough evidence accumulates.
   *
   * @return the multiple of the baseline
   */
  public double sustainedMultiplier() {
    return sustainedMultiplier;
  }

  /**
   * Returns the tail-probability bound below which one bucket's excess counts as a significant
   * spike (default 1e-6; a Chernoff bound, so the true probability is lower).
   *
   * @return the probability
   */
  public double spikeSignificance() {
    return spikeSignificance;
  }

  /**
   * Returns the CUSUM threshold for sustained rises, in nats of log-likelihood ratio (default
   * 10; at least e<sup>10</sup> buckets, about 15 days of minutes, between false alarms with a
   * perfectly known baseline).
   *
   * @return the threshold
   */
  public double sustainedEvidence() {
    return sustainedEvidence;
  }

  /**
   * Returns the evidence, in nats, that the rate is above the breaker multiple which trips the
   * breaker when accumulated over consecutive buckets (default 7). The null hypothesis here is
   * already "the rate is at the breaker multiple", far above normal traffic, so a lower threshold
   * than for spikes keeps false trips negligible.
   *
   * @return the threshold
   */
  public double breakerEvidence() {
    return breakerEvidence;
  }

  /**
   * Returns the minimum excess number of calls above the expected count for a call-channel event
   * (the breaker needs three times this).
   *
   * @return calls
   */
  public double minExcessCalls() {
    return minExcessCalls;
  }

  /**
   * Returns the minimum excess spend above the expected spend for a cost-channel event (the
   * breaker needs three times this).
   *
   * @return the amount
   */
  public Cost minExcessCost() {
    return minExcessCost;
  }

  /**
   * Returns how long rates must stay normal before an episode ends with one resolution; also the
   * refractory period: no new spike is raised while an episode is open.
   *
   * @return the quiet period
   */
  public Duration quietPeriod() {
    return quietPeriod;
  }

  /**
   * Returns how much history the baseline needs before spikes and runaways are judged (before
   * that, only budgets and the absolute caps apply).
   *
   * @return the warm-up
   */
  public Duration warmUp() {
    return warmUp;
  }

  /**
   * Returns the half-life of the hour-of-day baseline, in elapsed time (default 2 days); the
   * hour-of-week slots use seven times this, so both remember the same number of seasons.
   *
   * @return the half-life
   */
  public Duration baselineHalfLife() {
    return baselineHalfLife;
  }

  /**
   * Returns the seasonal pattern the baseline learns.
   *
   * @return the seasonality
   */
  public Seasonality seasonality() {
    return seasonality;
  }

  /**
   * Returns the time zone whose hours and weekdays the seasonal slots follow (default UTC).
   *
   * @return the zone
   */
  public ZoneId zone() {
    return zone;
  }

  /**
   * Returns the absolute call-rate cap in calls per minute, or 0 when there is none. The cap trips
   * the breaker as soon as one bucket holds more calls than the cap allows for the whole bucket,
   * during warm-up too.
   *
   * @return the cap, 0 for none
   */
  public double callRateCap() {
    return callRateCap;
  }

  /**
   * Returns the absolute spend-rate cap per hour, or {@code null} when there is none; applied like
   * {@link #callRateCap()}.
   *
   * @return the cap, or {@code null}
   */
  public Cost costRateCap() {
    return costRateCap;
  }

  /**
   * Returns how long a rate at or above the breaker multiple must be held to open the breaker
   * whatever the noise model says (the held-multiple rule); {@link Duration#ZERO} when that rule is
   * off. Default {@value #DEFAULT_RUNAWAY_HOLD_MINUTES} minutes.
   *
   * <p>The breaker's main test weighs each bucket against the service's learned noise, so on bursty
   * traffic (a heavy tail of short bursts) a sustained 10x can look "not significant" for hours.
   * This rule is the backstop: every bucket of the hold at or above {@code breakerMultiplier} times
   * the expectation (not widened by the service's day-to-day variability), with the excess the
   * breaker asks for, opens it. Shorter trips real runaways sooner and opens it on more
   * legitimate bursts that last that long (benchmarks/DETECTION-RESULTS.md shows the trade-off);
   * change it with {@link Builder#runawayHold(Duration)}.
   *
   * <p>This is the longest hold. Once a meter has judged a full week, the hold follows the
   * service's own record: twice the longest run at or above the multiple that ended in the last
   * seven days without tripping, plus two buckets, at most this. A service that never holds 5x for
   * long (a web server, a steady API client) trips a sustained runaway of 8x and more in two to five
   * minutes (two when no minute of its week reached 5x); one whose bursts last ten minutes keeps the
   * full hold. A shortened hold also asks the run to average 1.6 times the breaker multiple (8x at
   * defaults): a rate on the 5x edge waits for the full hold. The bucket that completes a hold trips
   * at the call that makes the rule certain (its amount only grows), not at its close. Buckets that
   * catch up a recent shortfall (a backlog after a gap) count towards the shorter hold only once
   * they have paid it back, and a shortened hold judges the run's average without what it paid
   * back of a shortfall judged a drop (see the breaker above). The record travels with the
   * exported baseline ({@link BaselineState}, kept across restarts by a guard or monitor with a
   * state folder); a new meter, one restored from a state of an earlier version, or one without a
   * state folder after a restart applies the full hold until a week has been judged.
   *
   * @return the hold, zero when off
   */
  public Duration runawayHold() {
    return runawayHold;
  }

  /**
   * Returns whether bursts that recur at the same time of day are learned; default {@code true}.
   *
   * <p>The seasonal baseline learns rates per hour and never learns a bucket judged a spike, so a
   * short burst that comes every day (a batch job at 02:00) or every hour (a cron) looked new every
   * time: with the defaults, a 5x burst of three minutes every hour alerted 24 times a day for as
   * long as it ran, and a 10x batch of five minutes once a day opened the breaker every day (1,837
   * to 2,383 of its 2,500 calls refused, each day after the warm-up). With this on, a meter fed per call remembers, for the
   * last eight days, each one-minute bucket (each bucket, for buckets that divide a day) that rose
   * significantly above the seasonal expectation (at least 2x, by the minimum excess, with a tail
   * probability below e^-9); a rise that came at the same time of day, within two buckets, on two
   * of yesterday, the day before and the same weekday a week ago is expected there (at most 64x),
   * and its thresholds are raised by as much. The batch above is refused on the first two days it is
   * judged (days 2 and 3 of a fresh guard: day 1 is the warm-up, which judges nothing), then never;
   * the hourly cron alerts on its first two days.
   *
   * <p>What it does not learn: a run of more than 30 significant buckets in a row (a sustained rise,
   * such as a runaway the breaker did not stop, is erased from the record as soon as it is that
   * long); a rise that came once. What it costs: for five minutes around the time of a learned
   * burst, a runaway is caught once it outlasts the burst (a 10x loop starting with a 10x batch
   * tripped after 3 to 8 minutes instead of 1); everywhere else nothing changes. The record travels
   * with the exported baseline ({@link BaselineState}, kept across restarts by a guard or monitor
   * with a state folder); without a state folder, a restart begins a new warm-up, after which a
   * recurring burst is learned again over two days. Polled usage
   * (the monitor) is judged without it. Change it with {@link Builder#recurringBursts(boolean)}.
   *
   * @return whether recurring bursts are learned
   */
  public boolean recurringBursts() {
    return recurringBursts;
  }

  /**
   * Returns whether a rise no higher than the service's usual peaks is alerted; default
   * {@code false}: it is not.
   *
   * <p>Real traffic has rises of its own: news sends a tweet stream to 4x for six minutes every
   * couple of hours, a busy afternoon holds 2x for an hour. Judged against the seasonal baseline
   * alone, each is a spike or a sustained rise and each was an alert: on the real-traffic replay
   * (benchmarks/REAL-RESULTS.md) 4 to 5 alert episodes a week on the NAB series and up to 55 on a
   * public stream, where the goal is at most 2. With the default, a meter keeps, per channel and for
   * each of the last seven days, the highest rise of that day that it flagged and that did not end
   * in a runaway: the highest single-bucket multiple of the flagged spikes, and the highest
   * half-hour smoothed multiple (over the tolerated level) of the flagged sustained rises. Once it
   * has judged a full week, a spike alerts only above 1.25 times the second-highest day's spike,
   * and a sustained rise only while its smoothed multiple is above 1.25 times the second-highest
   * day's: a rise that came on two days of the week is the service's usual, one that came once is
   * still news. A rise below that opens a quiet episode: nothing is sent, learning slows as in an
   * alerted one, and it is alerted at once if it grows past the bar.
   *
   * <p>The same default also keeps what was just told from being told again: once the week is
   * judged, for two days after an alerted episode (a spike or a runaway) ends, a rise no higher
   * than 1.25 times that episode's highest multiple (on either channel, measured as above) opens a
   * quiet episode too. A told multiple counts at the rate it reached: where the channel's expected
   * rate is now higher than where it peaked, its multiple is lowered in proportion (a 14x blip of
   * 14 calls a minute on a quiet night does not hush a 4x rise to 400 a minute at noon). A news
   * burst that returns at the height it was alerted at, hours or a day later, was one more alert
   * episode each time: on the replay, alert episodes a week 2.57 to 2.08 on the tuning half of
   * the NAB series, 2.18 to 1.91 on the held-back half, 0.59 to 0.47 on the other kinds (false
   * trips and the 10x trip medians unchanged). Its cost is the one above, larger: a 5x runaway
   * that starts within two days of an alert of about 4x or more at the same rate is alerted only
   * when the breaker trips it, if it does (on the replay, median 5x alert delays per tweet series
   * of 10 to 130 minutes, or none within 6 hours, instead of 6 to 53; 25 to 44 on the ELB and
   * sensor series). The two days are the meter's ticker's (per call) or the polled spans'. It is
   * kept in memory only (not in {@link BaselineState}): a restarted meter
   * alerts the next rise again.
   *
   * <p>What it does not change: the breaker (every trip and its alert happen as before: a runaway
   * is never hushed and never enters the record), the budget and its threshold alerts, and any
   * service whose week had no flagged rises (on Poisson-like traffic the bar stays at zero; the
   * synthetic protocol's figures are unchanged). What it costs: on bursty traffic a real rise
   * the size of the usual ones is alerted later or not at all; on the replay, a 5x runaway alerted
   * after a median of 6 to 53 minutes per tweet series instead of 2 to 26, 10 to 30 on the ELB and
   * sensor series instead of 4 to 8 (the breaker trips the runaways it tripped before at the same
   * minute). The record travels with the exported
   * baseline ({@link BaselineState}); a new meter alerts as with {@code true} until it has judged
   * a week, and one restored from a state of an earlier version until rises are recorded again
   * (its week of held runs says the week is judged, and an empty record sets no bar). Change it with
   * {@link Builder#alertOnUsualPeaks(boolean)}.
   *
   * @return whether rises no higher than the usual peaks are alerted
   */
  public boolean alertOnUsualPeaks() {
    return alertOnUsualPeaks;
  }

  @Override
  public String toString() {
    return "DetectionSettings[spikeMultiplier=" + spikeMultiplier + ", breakerMultiplier=" + breakerMultiplier
        + ", bucket=" + bucket + ", breakerEnabled=" + breakerEnabled + ", sustainedMultiplier="
        + sustainedMultiplier + ", spikeSignificance=" + spikeSignificance + ", sustainedEvidence=" + sustainedEvidence + ", breakerEvidence=" + breakerEvidence
        + ", minExcessCalls=" + minExcessCalls + ", minExcessCost=" + minExcessCost + ", quietPeriod=" + quietPeriod
        + ", warmUp=" + warmUp + ", baselineHalfLife=" + baselineHalfLife + ", seasonality=" + seasonality
        + ", zone=" + zone + ", callRateCap=" + callRateCap + ", costRateCap=" + costRateCap + ", runawayHold="
        + runawayHold + ", recurringBursts=" + recurringBursts + ", alertOnUsualPeaks=" + alertOnUsualPeaks + "]";
  }

  /** Builds {@link DetectionSettings}; {@link #build()} may be called more than once. */
  public static final class Builder {
    private double spikeMultiplier = 3.0;
    private double breakerMultiplier = 5.0;
    private Duration bucket = Duration.ofMinutes(1);
    private boolean breakerEnabled = true;
    private double sustainedMultiplier = 2.0;
    private double spikeSignificance = 1e-6;
    private double sustainedEvidence = 10.0;
    private double breakerEvidence = 7.0;
    private double minExcessCalls = 10;
    private Cost minExcessCost = Cost.usd("0.05");
    private Duration quietPeriod = Duration.ofMinutes(30);
    private Duration warmUp = Duration.ofDays(1);
    private Duration baselineHalfLife = Duration.ofDays(2);
    private Seasonality seasonality = Seasonality.WEEKLY;
    private ZoneId zone = ZoneOffset.UTC;
    private double callRateCap;
    private Cost costRateCap;
    private Duration runawayHold = Duration.ofMinutes(DEFAULT_RUNAWAY_HOLD_MINUTES);
    private boolean recurringBursts = true;
    private boolean alertOnUsualPeaks;

    private Builder() {}

    private Builder(DetectionSettings s) {
      spikeMultiplier = s.spikeMultiplier;
      breakerMultiplier = s.breakerMultiplier;
      bucket = s.bucket;
      breakerEnabled = s.breakerEnabled;
      sustainedMultiplier = s.sustainedMultiplier;
      spikeSignificance = s.spikeSignificance;
      sustainedEvidence = s.sustainedEvidence;
      breakerEvidence = s.breakerEvidence;
      minExcessCalls = s.minExcessCalls;
      minExcessCost = s.minExcessCost;
      quietPeriod = s.quietPeriod;
      warmUp = s.warmUp;
      baselineHalfLife = s.baselineHalfLife;
      seasonality = s.seasonality;
      zone = s.zone;
      callRateCap = s.callRateCap;
      costRateCap = s.costRateCap;
      runawayHold = s.runawayHold;
      recurringBursts = s.recurringBursts;
      alertOnUsualPeaks = s.alertOnUsualPeaks;
    }

    /**
     * Sets the spike multiplier.
     *
     * @param multiplier greater than 1
     * @return this builder
     */
    public Builder spikeMultiplier(double multiplier) {
      this.spikeMultiplier = aboveOne("spikeMultiplier", multiplier);
      return this;
    }

    /**
     * Sets the breaker multiplier.
     *
     * @param multiplier greater than 1
     * @return this builder
     */
    public Builder breakerMultiplier(double multiplier) {
      this.breakerMultiplier = aboveOne("breakerMultiplier", multiplier);
      return this;
    }

    /**
     * Sets the bucket width.
     *
     * @param bucket from one second to one hour
     * @return this builder
     */
    public Builder bucket(Duration bucket) {
      Objects.requireNonNull(bucket, "bucket");
      if (bucket.compareTo(Duration.ofSeconds(1)) < 0 || bucket.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("bucket must be from 1s to 1h, got " + bucket);
      }
      this.bucket = bucket;
      return this;
    }

    /**
     * Sets whether runaways trip the breaker.
     *
     * @param enabled {@code false} to only alert
     * @return this builder
     */
    public Builder breakerEnabled(boolean enabled) {
      this.breakerEnabled = enabled;
      return this;
    }

    /**
     * Sets the sustained rise the CUSUM looks for.
     *
     * @param multiplier greater than 1, at most 100
     * @return this builder
     */
    public Builder sustainedMultiplier(double multiplier) {
      aboveOne("sustainedMultiplier", multiplier);
      if (multiplier > 100) {
        throw new IllegalArgumentException("sustainedMultiplier must be at most 100, got " + multiplier);
      }
      this.sustainedMultiplier = multiplier;
      return this;
    }

    /**
     * Sets the spike significance.
     *
     * @param p a probability above 0 and at most 0.01
     * @return this builder
     */
    public Builder spikeSignificance(double p) {
      this.spikeSignificance = probability("spikeSignificance", p);
      return this;
    }

    /**
     * Sets the CUSUM threshold for sustained rises.
     *
     * @param nats above 0, at most 100
     * @return this builder
     */
    public Builder sustainedEvidence(double nats) {
      this.sustainedEvidence = nats("sustainedEvidence", nats);
      return this;
    }

    /**
     * Sets the accumulated evidence that trips the breaker.
     *
     * @param nats above 0, at most 100
     * @return this builder
     */
    public Builder breakerEvidence(double nats) {
      this.breakerEvidence = nats("breakerEvidence", nats);
      return this;
    }

    /**
     * Sets the minimum excess calls for a call-channel event.
     *
     * @param calls finite, not negative
     * @return this builder
     */
    public Builder minExcessCalls(double calls) {
      if (!(calls >= 0) || !Double.isFinite(calls)) {
        throw new IllegalArgumentException("minExcessCalls must be a finite number of calls >= 0, got " + calls);
      }
      this.minExcessCalls = calls;
      return this;
    }

    /**
     * Sets the minimum excess spend for a cost-channel event.
     *
     * @param cost not negative
     * @return this builder
     */
    public Builder minExcessCost(Cost cost) {
      Objects.requireNonNull(cost, "minExcessCost");
      if (cost.nanos() < 0) {
        throw new IllegalArgumentException("minExcessCost must not be negative, got " + cost);
      }
      this.minExcessCost = cost;
      return this;
    }

    /**
     * Sets the quiet period that ends an episode.
     *
     * @param quiet from zero to seven days
     * @return this builder
     */
    public Builder quietPeriod(Duration quiet) {
      this.quietPeriod = duration("quietPeriod", quiet, Duration.ZERO, Duration.ofDays(7));
      return this;
    }

    /**
     * Sets the warm-up.
     *
     * @param warmUp from zero to 28 days
     * @return this builder
     */
    public Builder warmUp(Duration warmUp) {
      this.warmUp = duration("warmUp", warmUp, Duration.ZERO, Duration.ofDays(28));
      return this;
    }

    /**
     * Sets the baseline's half-life.
     *
     * @param halfLife from one hour to 60 days
     * @return this builder
     */
    public Builder baselineHalfLife(Duration halfLife) {
      this.baselineHalfLife = duration("baselineHalfLife", halfLife, Duration.ofHours(1), Duration.ofDays(60));
      return this;
    }

    /**
     * Sets the seasonality.
     *
     * @param seasonality the pattern to learn
     * @return this builder
     */
    public Builder seasonality(Seasonality seasonality) {
      this.seasonality = Objects.requireNonNull(seasonality, "seasonality");
      return this;
    }

    /**
     * Sets the time zone of the seasonal slots.
     *
     * @param zone the zone
     * @return this builder
     */
    public Builder zone(ZoneId zone) {
      this.zone = Objects.requireNonNull(zone, "zone");
      return this;
    }

    /**
     * Sets the absolute call-rate cap.
     *
     * @param callsPerMinute above 0, or 0 for none
     * @return this builder
     */
    public Builder callRateCap(double callsPerMinute) {
      if (!(callsPerMinute >= 0) || !Double.isFinite(callsPerMinute)) {
        throw new IllegalArgumentException(
            "callRateCap must be a finite number of calls per minute >= 0 (0 = none), got " + callsPerMinute);
      }
      this.callRateCap = callsPerMinute;
      return this;
    }

    /**
     * Sets the absolute spend-rate cap.
     *
     * @param perHour above zero, or {@code null} for none
     * @return this builder
     */
    public Builder costRateCap(Cost perHour) {
      if (perHour != null && perHour.nanos() <= 0) {
        throw new IllegalArgumentException("costRateCap must be above zero per hour (or null for none), got " + perHour);
      }
      this.costRateCap = perHour;
      return this;
    }

    /**
     * Sets how long a rate at or above the breaker multiple must be held to open the breaker
     * whatever the noise model says; {@link Duration#ZERO} turns that rule off (the breaker then
     * opens only on the statistical test and the caps). Default
     * {@value DetectionSettings#DEFAULT_RUNAWAY_HOLD_MINUTES} minutes. See
     * {@link DetectionSettings#runawayHold()}.
     *
     * @param hold zero, or from 1 s to 24 hours; judged in whole buckets (rounded up, at least one),
     *     so with buckets longer than the hold one bucket at the multiple is enough
     * @return this builder
     */
    public Builder runawayHold(Duration hold) {
      Objects.requireNonNull(hold, "runawayHold");
      this.runawayHold = hold.isZero() ? Duration.ZERO : duration("runawayHold", hold, Duration.ofSeconds(1),
          Duration.ofHours(24));
      return this;
    }

    /**
     * Sets whether bursts that recur at the same time of day are learned (default {@code true}):
     * {@code false} judges every burst against the seasonal baseline alone, as every time it came
     * were the first. See {@link DetectionSettings#recurringBursts()}.
     *
     * @param learn whether to learn recurring bursts
     * @return this builder
     */
    public Builder recurringBursts(boolean learn) {
      this.recurringBursts = learn;
      return this;
    }

    /**
     * Sets whether a spike or sustained rise no higher than the service's usual peaks of the last
     * week is alerted (default {@code false}: it opens a quiet episode instead; the breaker is not
     * affected). See {@link DetectionSettings#alertOnUsualPeaks()}.
     *
     * @param alert {@code true} to alert on every flagged rise, as every rise were the first
     * @return this builder
     */
    public Builder alertOnUsualPeaks(boolean alert) {
      this.alertOnUsualPeaks = alert;
      return this;
    }

    /**
     * Builds the settings.
     *
     * @return the settings
     * @throws IllegalArgumentException if {@code breakerMultiplier} is below {@code spikeMultiplier}
     */
    public DetectionSettings build() {
      // The one place this rule lives: a breaker multiple below the spike multiple would open the
      // breaker before the spike it should follow is even alerted on. Callers never clamp it.
      if (breakerMultiplier < spikeMultiplier) {
        throw new IllegalArgumentException("breakerMultiplier (" + breakerMultiplier
            + ") must not be below spikeMultiplier (" + spikeMultiplier + "): raise breakerMultiplier to at least "
            + spikeMultiplier + " or lower spikeMultiplier to at most " + breakerMultiplier);
      }
      return new DetectionSettings(this);
    }

    private static double aboveOne(String field, double multiplier) {
      if (!(multiplier > 1.0) || !Double.isFinite(multiplier)) {
        throw new IllegalArgumentException(field + " must be a finite number above 1, got " + multiplier);
      }
      return multiplier;
    }

    private static double probability(String field, double p) {
      if (!(p > 0) || p > 0.01) {
        throw new IllegalArgumentException(field + " must be a probability above 0 and at most 0.01, got " + p);
      }
      return p;
    }

    private static double nats(String field, double nats) {
      if (!(nats > 0) || nats > 100) {
        throw new IllegalArgumentException(field + " must be above 0 and at most 100 nats, got " + nats);
      }
      return nats;
    }

    private static Duration duration(String field, Duration d, Duration min, Duration max) {
      Objects.requireNonNull(d, field);
      if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
        throw new IllegalArgumentException(field + " must be from " + min + " to " + max + ", got " + d);
      }
      return d;
    }
  }
}
