package dev.runaway.stats;

import dev.runaway.Ticker;
import dev.runaway.stats.internal.Evidence;
import dev.runaway.stats.internal.Frame;
import dev.runaway.stats.internal.MeterAccess;
import dev.runaway.stats.internal.RecurringBursts;
import dev.runaway.stats.internal.StripedCounter;
import dev.runaway.stats.internal.SeasonalBaseline;
import dev.runaway.stats.internal.Tails;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Aggregates the calls and spend of one service (or one key) into fixed buckets, learns their
 * seasonal baseline, and decides on every call whether the current rate is a usage spike or a
 * runaway that should trip the breaker.
 *
 * <h2>The decision</h2>
 * The current, partial bucket is judged on every call against the amount expected for the part of
 * the bucket elapsed so far (see {@link DetectionSettings} for the rules: ratio <em>and</em>
 * significance <em>and</em> minimum excess; a CUSUM for sustained rises; breaker confirmation in
 * proportion to the evidence). The noise model is negative binomial: Poisson when the learned
 * dispersion is zero, wider when the data (or the baseline's own error) say so. The cost channel is
 * measured in units of the typical cost per call (spend is a compound Poisson sum), assuming a
 * per-call cost spread of 100% on top of what the dispersion learns.
 *
 * <p>All thresholds are computed when a bucket opens, for sixteen sub-slots of elapsed time, so
 * judging a call is one atomic add and one comparison: no lock and no allocation. Closing a bucket
 * (once per bucket, by the first call after it ended, under a non-blocking {@code tryLock}) updates
 * the evidence, the episode, and the baseline in O(1), and computes the next thresholds. The
 * {@link Ticker}'s wall clock is read only then, for the hour of day.
 *
 * <h2>The baseline</h2>
 * A per-slot (hour-of-day, then hour-of-week after three weeks) exponentially weighted rate, see
 * {@link Seasonality}. Learning is gated: a bucket judged a spike is not learned at all, buckets
 * during a spike episode are learned at a quarter of the weight, nothing is learned while a runaway
 * episode is open (the breaker rejects calls, so the counts mean nothing), and every learned amount
 * is first clipped to within four standard deviations or a factor of two of the expectation,
 * whichever is wider. Before {@link DetectionSettings#warmUp()} of history, no spike or runaway is
 * raised: only the absolute caps apply.
 *
 * <p>The baseline also learns how much whole hours stray from their expectation beyond the count
 * noise (busy and quiet days). The sustained-rise CUSUM tests against that tolerated level (1.5
 * standard deviations above the expectation), so a volatile service does not alert on every busy
 * day while a steady one keeps its full sensitivity; the breaker allows for one standard deviation
 * (a service whose days swing by 25% trips at about 6.4x instead of 5x: a false trip is an outage);
 * the spike rule (a 3x ratio) is not widened. Each channel learns its own variability: spend
 * varies with the spend per call as well as with the calls (whole hours are compared in the
 * channel's own unit, so the first hours of a meter's life, judged against an expectation of
 * nothing, do not read as a swing). An hour judged before the seasonal slots around it have each
 * seen about a day (against the service's overall mean), or before warm-up (when no fall is judged
 * a drop), adds at most the variance of the cap: a service with opening hours read its first
 * evening, which expected the day's traffic, as a swing of e^6 that held its variability above the
 * cap for more than a week (after a restart on that evening, its second evening did the same).
 *
 * <p>Drops are not alerted, but a CUSUM for a fall to half the expected rate slows learning to a
 * quarter while it stands high, so that an outage or a gap in the data does not drag the baseline
 * down just before the backlog catches up. While it stands high, buckets below half the level
 * before the drop (the half-hour smoothed multiple of the expectation when the shortfall began, at
 * least 1, at most the sustained and the spike multiple: the baseline does not follow the level of
 * the day) count the share of that level they fell short of as owed, in buckets (an hour at most,
 * however long the gap); the breaker's statistical test and the shortened hold judge the buckets
 * after it less what they pay back (their amount above that level, up to the owed buckets at that
 * level of their own expectation), so that the backlog's catch-up, the day's traffic late, does not
 * trip. Traffic that comes back at no more than that level forfeits what is owed.
 *
 * <h2>Episodes</h2>
 * Events are episodes, not streams: {@link MeterEvent} values other than {@code NONE} are each
 * returned once per transition, to exactly one caller (the transitions are CAS on one atomic
 * level): a spike, its escalation to a runaway, and one {@link MeterEvent#RESOLVED} once no bucket
 * has been hot for the quiet period. A bucket is hot while it crosses a threshold or while the
 * sustained-rise evidence stays above half its threshold, so a sustained runaway keeps its one
 * episode open.
 *
 * <p>After a week of history, a spike or sustained rise no higher than the service's usual peaks
 * (see {@link DetectionSettings#alertOnUsualPeaks()}) opens a quiet episode instead: no event, no
 * {@code RESOLVED} when it ends, learning as in a spike episode. It turns into a spike episode,
 * with its event, as soon as a call or a closed bucket passes the bar, and into a runaway as any
 * episode does; the per-call thresholds of a quiet episode are those outside one. Trips and caps are
 * never quiet, and a rise whose episode saw one (or that is polled usage judged a second time) is
 * not recorded as usual.
 *
 * <p>What was told is not told again: after the same week of history, for two days after an
 * alerted episode (a spike or a runaway) ends, a spike or sustained rise no higher than 1.25 times
 * that episode's highest (its one-bucket multiple, or its half-hour smoothed multiple, on either
 * channel, lowered in proportion where that channel's expectation is now higher than where it
 * peaked) opens a quiet episode too. A news burst of a bursty service comes back for hours or
 * days at the height it was alerted at, and each return was one more alert saying the same thing.
 * The breaker's rules are not changed: a runaway still trips and is alerted. This memory is not
 * exported with the baseline: a restarted meter alerts the next rise again.
 *
 * <h2>Feeding</h2>
 * A meter is fed either per call ({@link #onCall}, {@link #onCalls}, {@link #onCost}, with ticker
 * readings) or with polled usage ({@link #observe}, with wall-clock intervals), not both.
 *
 * <p>Thread-safe. {@link #onCall(long)}, {@link #onCalls(long, long)} and
 * {@link #onCost(long, long)} are lock-free and allocation-free except once per bucket.
 */
public final class BurnRateMeter {

  private static final int CALLS = SeasonalBaseline.CALLS;
  private static final int COST = SeasonalBaseline.COST;
  private static final int NONE = 0;
  /**
   * An episode open on a rise no higher than the service's usual peaks: nothing was sent, it
   * learns as a spike episode does, and it becomes a spike episode (alerted) if the rise grows.
   */
  private static final int HUSHED = 1;
  private static final int SPIKE = 2;
  private static final int RUNAWAY = 3;
  /** Learning weight of buckets during a spike episode. */
  private static final double EPISODE_LEARNING = 0.25;
  /** Share of the sustained-rise threshold above which a bucket keeps an episode open. */
  private static final double HOT_EVIDENCE = 0.25;
  /** Alternatives of the breaker CUSUMs, as multiples of the breaker multiple. */
  private static final double BREAKER_FAST = 2.0;
  private static final double BREAKER_SLOW = 1.25;
  private static final double LN_BREAKER_FAST = Math.log(BREAKER_FAST);
  private static final double LN_BREAKER_SLOW = Math.log(BREAKER_SLOW);
  /** Alternative of the drop CUSUM that slows learning during gaps and outages. */
  private static final double DROP = 0.5;
  private static final double LN_DROP = Math.log(DROP);
  /** The breaker's minimum excess, as a multiple of the spike's. */
  private static final double BREAKER_EXCESS = 3.0;
  /**
   * A bucket that follows one below the breaker multiple trips the breaker only with an excess of
   * this much of the service's mean amount (an hour of its usual spend within one bucket): a burst
   * confined to one bucket (one order, one batch) is alerted, and a run trips from its second bucket.
   */
  private static final long LONE_TRIP_NANOS = 3_600_000_000_000L;
  /**
   * The most a shortfall leaves owed to the breaker's test ({@link #owe}): an hour of the level
   * before it, whatever the gap's length. Uncapped, a day-long outage owed a day: a 10x runaway
   * after it paid back for about 160 minutes before the test judged it, and at low rates, where
   * the held rule's minimum excess is out of reach, nothing else tripped it.
   */
  private static final long MAX_OWED_NANOS = 3_600_000_000_000L;
  /** Assumed squared coefficient of variation of the cost of one call. */
  private static final double COST_CV2 = 1.0;
  private static final double WINSOR_SIGMAS = 4;
  private static final double WINSOR_RATIO = 2;
  /** Slot weight (in buckets) before learned amounts are clipped and residuals feed the dispersion. */
  private static final double ESTABLISHED = 10;
  private static final double MIN_MEAN = 1e-6;
  /**
   * Standard deviations of the learned level variability that the sustained-rise test allows for
   * (the spike test needs a 3x ratio anyway, far beyond ordinary busy days).
   */
  private static final double LEVEL_SIGMAS = 1.5;
  /** Standard deviations of the learned level variability that the breaker allows for. */
  private static final double BREAKER_LEVEL_SIGMAS = 1.0;

  /** Nanoseconds in a day: the record of held runs keeps one entry a wall-clock day. */
  private static final long DAY_NANOS = 86_400_000_000_000L;
  /** The hold is this many times the longest held run of the record, plus {@link #RECORD_EXTRA}. */
  private static final double RECORD_MARGIN = 2;
  /** Share of the expectation a bucket may fall short by without adding to the catch-up deficit. */
  private static final double DEFICIT_SLACK = 0.25;
  /** Buckets added to the margin times the record. */
  private static final double RECORD_EXTRA = 2;
  /**
   * A shortened hold's run must average this many times the breaker multiple (8x at defaults):
   * runs of buckets at or above 5x are the noisy buckets of a 5x rate, which average 6x and more
   * (on the synthetic protocol 1.2 tripped 20-38% of 5x steps and gap catch-ups; 1.6 keeps them
   * at the full hold's rate, see benchmarks/REAL-RUNS.md).
   */
  private static final double SHORT_HOLD_MARGIN = 1.6;

  /** The smoothing time of the multiple a sustained rise is recorded and compared with. */
  private static final double RISE_SMOOTHING_NANOS = 30 * 60 * 1e9;
  /** A rise is news only above this many times the usual peak ({@link #usualPeak}). */
  private static final double USUAL_PEAK_MARGIN = 1.25;
  /**
   * How long the peak of an alerted episode bars a rise no higher than {@link #USUAL_PEAK_MARGIN}
   * times it from being alerted again ({@link #toldPeak}): two days.
   */
  private static final long TOLD_NANOS = 2 * DAY_NANOS;

  /** Below this multiple of the tolerated level, the sustained-rise CUSUM is switched off. */
  private static final double MIN_SUSTAINED = 1.1;
  /**
   * The shortest stretch of a bucket a partial amount is judged against: calls arrive in bursts
   * on the scale of seconds (a user action fans out into several calls), so the first quarter of a
   * bucket is judged as a quarter, not as a sixteenth.
   */
  private static final double MIN_FRACTION = 0.25;
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final DetectionSettings settings;
  private final Ticker ticker;
  private final long bucketNanos;
  /** {@link #LONE_TRIP_NANOS} in buckets. */
  private final double loneBuckets;
  /** {@link #MAX_OWED_NANOS} in buckets. */
  private final double maxOwedBuckets;
  private final long quietNanos;
  private final long warmUpBuckets;
  private final long maxCatchUp;
  private final double lnSpike;
  private final double spikeMultiplier;
  private final double breakerMultiplier;
  private final double sustainedMultiplier;
  private final double lnSustained;
  private final double sustainedEvidence;
  private final double breakerEvidence;
  private final boolean breakerEnabled;
  /** The held-multiple rule's hold in buckets (whole), 0 when off. */
  private final double holdBuckets;
  /** Whether rises no higher than the usual peaks are alerted ({@link DetectionSettings#alertOnUsualPeaks()}). */
  private final boolean alertUsual;
  /** Weight of one bucket in the half-hour smoothed multiple. */
  private final double riseSmoothing;
  /**
   * Whether the episode in progress reached a runaway (the level, or a trip or a cap where breakers
   * are disabled): its rises are not the service's usual.
   */
  private boolean episodeRunaway;
  /** Whether the episode in progress sent an alert (a spike or a runaway): its peaks were told. */
  private boolean episodeAlerted;
  /**
   * The end of the span being judged (under the roll lock), as {@link #lastHot}: ticker nanos per
   * call, so that a wall-clock step neither stretches nor cuts the memory of what was told; epoch
   * nanos polled.
   */
  private long judgingAt;
  /**
   * The expected raw amount a bucket of each channel at the span being judged (or the bucket whose
   * thresholds are filled), under the roll lock: what was told is compared by its height too.
   */
  private final double[] judgingExpected = new double[2];
  /** Whether the span being judged was observed before (polled usage): its rises are not recorded twice. */
  private boolean rejudging;
  /** The wall-clock day of the span being judged (under the roll lock). */
  private long judgingDay;
  private final double[] minExcess = new double[2];
  private final long[] capPerBucket = new long[2];

  // Recording path (issue 19): the per-call counts are striped by thread, so that threads on
  // different cores do not take each other's cache line on every call.
  private final StripedCounter calls;
  /**
   * Not final: a guard whose ledger account counts the same costs makes it a view of that count
   * ({@link MeterAccess#readCostFrom}) before the meter is fed, which saves an atomic add per cost.
   */
  private StripedCounter cost;

  static {
    MeterAccess.register((m, spend) -> m.cost = StripedCounter.viewOf(spend));
  }
  /** Calls and cost of every closed bucket, for {@link #totalCalls()}; written under {@link #lock}. */
  private long closedCalls;
  private long closedCost;
  private final AtomicInteger level = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Frame frame;

  // Guarded by lock.
  private final SeasonalBaseline model;
  private final Evidence[] evidence = {new Evidence(), new Evidence()};
  /** Bursts that recurred at the same time of day (per-call feed only); null where buckets have no time of day. */
  private final RecurringBursts recurring;
  /** The settings' zone: the record of recurring bursts keeps its time of day (under the roll lock). */
  private final java.time.zone.ZoneRules zone;
  /**
   * The episode state, one for both feeds (a meter is fed per call or by polling, not both): the
   * end of the last span that kept the episode open (ticker nanos per call, epoch nanos polled).
   */
  private long lastHot;
  private boolean everHot;
  private final Verdict verdict = new Verdict();
  private long observedUntil = Long.MIN_VALUE;
  private volatile double observedCallsPerMinute;
  private volatile double observedCostPerHour;
  private volatile double observedBaselineCalls = Double.NaN;
  private volatile double observedBaselineCost = Double.NaN;
  private volatile boolean observed;

  private BurnRateMeter(DetectionSettings settings, Ticker ticker, int counterStripes) {
    this.calls = new StripedCounter(counterStripes);
    this.cost = new StripedCounter(counterStripes);
    this.settings = settings;
    this.ticker = ticker;
    this.bucketNanos = settings.bucket().toNanos();
    this.loneBuckets = LONE_TRIP_NANOS / (double) bucketNanos;
    this.maxOwedBuckets = MAX_OWED_NANOS / (double) bucketNanos;
    this.recurring = settings.recurringBursts() ? RecurringBursts.forBucket(bucketNanos) : null;
    this.zone = settings.zone().getRules();
    this.quietNanos = settings.quietPeriod().toNanos();
    this.warmUpBuckets = (settings.warmUp().toNanos() + bucketNanos - 1) / bucketNanos;
    this.maxCatchUp = Math.min(10_080, Math.max(1, 7 * 86_400 * NANOS_PER_SECOND / bucketNanos));
    this.lnSpike = -Math.log(settings.spikeSignificance());
    this.spikeMultiplier = settings.spikeMultiplier();
    this.breakerMultiplier = settings.breakerMultiplier();
    this.sustainedMultiplier = settings.sustainedMultiplier();
    this.lnSustained = Math.log(sustainedMultiplier);
    this.sustainedEvidence = settings.sustainedEvidence();
    this.breakerEvidence = settings.breakerEvidence();
    this.breakerEnabled = settings.breakerEnabled();
    long hold = settings.runawayHold().toNanos();
    this.holdBuckets = hold == 0 ? 0 : Math.ceil(hold / (double) bucketNanos - 1e-9);
    this.alertUsual = settings.alertOnUsualPeaks();
    this.riseSmoothing = -Math.expm1(-bucketNanos / RISE_SMOOTHING_NANOS);
    this.minExcess[CALLS] = settings.minExcessCalls();
    this.minExcess[COST] = settings.minExcessCost().nanos();
    double bucketMinutes = bucketNanos / (60.0 * NANOS_PER_SECOND);
    this.capPerBucket[CALLS] = settings.callRateCap() > 0
        ? (long) Math.min(Long.MAX_VALUE / 2.0, Math.floor(settings.callRateCap() * bucketMinutes) + 1) : Long.MAX_VALUE;
    this.capPerBucket[COST] = settings.costRateCap() != null
        ? (long) Math.min(Long.MAX_VALUE / 2.0, Math.floor(settings.costRateCap().nanos() * bucketMinutes / 60) + 1)
        : Long.MAX_VALUE;
    Seasonality s = settings.seasonality();
    this.model = new SeasonalBaseline(s.dailySlots(), s.weeklySlots(), bucketNanos,
        settings.baselineHalfLife().toNanos(), settings.zone());
  }

  /**
   * Creates a meter with an empty baseline.
   *
   * @param settings the detection settings
   * @param ticker the ticker, whose wall clock is read for the hour of day when a bucket closes
   * @return the meter
   */
  public static BurnRateMeter create(DetectionSettings settings, Ticker ticker) {
    return create(settings, ticker, 1);
  }

  /**
   * Creates a meter with an empty baseline whose per-call counters are split into stripes, for a
   * meter that many threads feed at once (a service's, not a key's): threads then add without
   * contending, at the price of about 128 bytes per stripe and counter.
   *
   * @param settings the detection settings
   * @param ticker the ticker
   * @param counterStripes stripes of each counter (rounded up to a power of two, at most 64);
   *     1 for a meter fed by one thread at a time
   * @return the meter
   */
  public static BurnRateMeter create(DetectionSettings settings, Ticker ticker, int counterStripes) {
    Objects.requireNonNull(ticker, "ticker");
    return new BurnRateMeter(Objects.requireNonNull(settings, "settings"), ticker, counterStripes);
  }

  /**
   * Creates a meter that continues from an exported baseline (for example after a restart).
   *
   * @param settings the detection settings
   * @param ticker the ticker
   * @param baseline the exported baseline; its bucket must equal the settings' bucket. A state of
   *     another seasonality is accepted: what fits is kept, the rest is learned afresh
   * @return the meter
   * @throws IllegalArgumentException if the buckets differ
   */
  public static BurnRateMeter create(DetectionSettings settings, Ticker ticker, BaselineState baseline) {
    return create(settings, ticker, baseline, 1);
  }

  /**
   * Creates a meter that continues from an exported baseline, with striped counters (see
   * {@link #create(DetectionSettings, Ticker, int)}).
   *
   * @param settings the detection settings
   * @param ticker the ticker
   * @param baseline the exported baseline (see {@link #create(DetectionSettings, Ticker, BaselineState)})
   * @param counterStripes stripes of each counter
   * @return the meter
   * @throws IllegalArgumentException if the buckets differ
   */
  public static BurnRateMeter create(DetectionSettings settings, Ticker ticker, BaselineState baseline,
      int counterStripes) {
    BurnRateMeter m = create(settings, ticker, counterStripes);
    Objects.requireNonNull(baseline, "baseline");
    if (baseline.bucketNanos() != m.bucketNanos) {
      throw new IllegalArgumentException("baseline bucket " + baseline.bucket() + " does not match the settings' bucket "
          + settings.bucket() + "; a baseline restores only into a meter with the same bucket");
    }
    m.model.restore(baseline.daySlots(), baseline.dayWeights(), baseline.weekSlots(), baseline.weekWeights(),
        baseline.levels(), baseline.levelWeight(), baseline.dispersion(), baseline.learnedBuckets(),
        baseline.variability());
    long[] runDay = baseline.runDay();
    int[] runDays = baseline.runDays();
    double[][] dayRuns = baseline.dayRuns();
    double[][] dayRises = baseline.dayRises();
    double[][] daySpikes = baseline.daySpikes();
    for (int c = 0; c < m.evidence.length; c++) {
      Evidence ev = m.evidence[c];
      ev.runDay = runDay[c];
      ev.runDays = runDays[c];
      System.arraycopy(dayRuns[c], 0, ev.dayRuns, 0, ev.dayRuns.length);
      System.arraycopy(dayRises[c], 0, ev.dayRises, 0, ev.dayRises.length);
      System.arraycopy(daySpikes[c], 0, ev.daySpikes, 0, ev.daySpikes.length);
    }
    m.observedUntil = baseline.observedUntil();
    if (m.recurring != null) {
      m.recurring.restore(baseline.recurring());
    }
    return m;
  }

  /**
   * Returns the settings.
   *
   * @return the settings
   */
  public DetectionSettings settings() {
    return settings;
  }

  /**
   * Counts one call.
   *
   * @param nowNanos the ticker's reading
   * @return what to do
   */
  public MeterEvent onCall(long nowNanos) {
    return onCalls(nowNanos, 1);
  }

  /**
   * Counts several calls at once (a batch request, or counts aggregated by the caller).
   *
   * @param nowNanos the ticker's reading
   * @param count the number of calls, not negative
   * @return what to do
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public MeterEvent onCalls(long nowNanos, long count) {
    if (count <= 0) {
      if (count < 0) {
        throw new IllegalArgumentException("count must be >= 0, got " + count);
      }
      return advance(nowNanos);
    }
    return add(nowNanos, CALLS, count);
  }

  /**
   * Adds the cost of a finished call (or spend observed elsewhere).
   *
   * @param nowNanos the ticker's reading
   * @param costNanos the cost in nano-dollars; zero or negative amounts are ignored
   * @return what to do
   */
  public MeterEvent onCost(long nowNanos, long costNanos) {
    if (costNanos <= 0) {
      return advance(nowNanos);
    }
    return add(nowNanos, COST, costNanos);
  }

  /**
   * The hot path of both channels: rolls the bucket when due, adds to the channel's counter and
   * compares it with the thresholds precomputed for this part of the bucket.
   */
  private MeterEvent add(long nowNanos, int channel, long amount) {
    Frame fr = frame;
    MeterEvent rolled = MeterEvent.NONE;
    boolean stale = false;
    if (fr == null || nowNanos - fr.start >= bucketNanos) {
      rolled = roll(nowNanos);
      fr = frame;
      // Another thread holds the roll: this bucket's frame is not published yet, and the counter
      // may still hold the ended bucket's calls. Judged against the ended bucket's thresholds, that
      // sum could raise a runaway the roll has just resolved; the next call judges instead.
      stale = fr == null || nowNanos - fr.start >= bucketNanos;
    }
    StripedCounter counter = channel == CALLS ? calls : cost;
    long c = counter.add(amount);
    if (rolled != MeterEvent.NONE || stale) {
      return rolled;
    }
    int sub = fr.sub(nowNanos);
    long alert = channel == CALLS ? fr.callAlert[sub] : fr.costAlert[sub];
    long breaker = channel == CALLS ? fr.callBreaker[sub] : fr.costBreaker[sub];
    // c is this thread's stripe: the sum is read only once the stripe could show a crossing.
    if (!counter.mayReach(c, Math.min(alert, breaker))) {
      return MeterEvent.NONE;
    }
    if (counter.stripes() > 1) {
      c = counter.getAfterAdd(amount);
    }
    if (c < alert && c < breaker) {
      return MeterEvent.NONE;
    }
    return crossed(fr, channel, c >= breaker);
  }

  /**
   * Moves the meter's clock without observing anything: closes the buckets that have ended, which
   * may end an episode. Call it now and then (for example from a scheduler) when calls may stop
   * altogether, such as while the breaker is open.
   *
   * @param nowNanos the ticker's reading
   * @return {@link MeterEvent#RESOLVED} if an episode ended, otherwise usually {@code NONE}
   */
  public MeterEvent advance(long nowNanos) {
    Frame fr = frame;
    if (fr != null && nowNanos - fr.start >= bucketNanos) {
      return roll(nowNanos);
    }
    return MeterEvent.NONE;
  }

  /** A call crossed a threshold of the current bucket: the slow path, at most a CAS. */
  private MeterEvent crossed(Frame fr, int ch, boolean breaker) {
    fr.hot = true;
    if (breaker) {
      if (ch == CALLS) {
        fr.callTripped = true;
      } else {
        fr.costTripped = true;
      }
      return escalate(ch);
    }
    if (announce()) {
      return spikeEvent(ch);
    }
    return MeterEvent.NONE;
  }

  /** Opens a spike episode, or turns a hushed one into a spike episode; true if this call did. */
  private boolean announce() {
    // One read while an episode is already alerted; a quiet episode ended by the roll between the
    // read and the compare-and-set is read again, so that this call's alert is not lost.
    for (int lv = level.get(); lv <= HUSHED; lv = level.get()) {
      if (level.compareAndSet(lv, SPIKE)) {
        return true;
      }
    }
    return false;
  }

  private MeterEvent escalate(int ch) {
    if (!breakerEnabled) {
      return announce() ? spikeEvent(ch) : MeterEvent.NONE;
    }
    for (int lv = level.get(); lv < RUNAWAY; lv = level.get()) {
      if (level.compareAndSet(lv, RUNAWAY)) {
        return ch == CALLS ? MeterEvent.CALL_RUNAWAY : MeterEvent.COST_RUNAWAY;
      }
    }
    return MeterEvent.NONE;
  }

  private static MeterEvent spikeEvent(int ch) {
    return ch == CALLS ? MeterEvent.CALL_SPIKE : MeterEvent.COST_SPIKE;
  }

  // ---------------------------------------------------------------------------------------------
  // Bucket rollover (once per bucket, under the lock)

  private MeterEvent roll(long now) {
    if (!lock.tryLock()) {
      return MeterEvent.NONE;
    }
    try {
      Frame fr = frame;
      if (fr != null && now - fr.start < bucketNanos) {
        return MeterEvent.NONE;
      }
      long wallNow = epochNanos(ticker.instant());
      if (fr == null) {
        long start = now - Math.floorMod(now, bucketNanos);
        frame = open(start, wallNow - (now - start), 0, 0, true);
        return MeterEvent.NONE;
      }
      long xCalls = calls.getAndSet(0);
      long xCost = cost.getAndSet(0);
      closedCalls += xCalls;
      closedCost = saturatedAdd(closedCost, xCost);
      MeterEvent event = close(fr, xCalls, xCost, fr.hot);
      long elapsed = (now - fr.start) / bucketNanos;
      long empty = elapsed - 1;
      long prevCalls = xCalls;
      long prevCost = xCost;
      if (empty > 0) {
        prevCalls = 0;
        prevCost = 0;
        long closeEmpty = Math.min(empty, maxCatchUp);
        // The most recent empty buckets are the ones worth learning.
        for (long i = empty - closeEmpty + 1; i <= empty; i++) {
          long start = fr.start + i * bucketNanos;
          Frame gap = open(start, wallNow - (now - start), 0, 0, false);
          MeterEvent e = close(gap, 0, 0, false);
          if (event == MeterEvent.NONE) {
            event = e;
          }
        }
        model.countBucket(empty - closeEmpty);
      }
      long start = fr.start + elapsed * bucketNanos;
      frame = open(start, wallNow - (now - start), prevCalls, prevCost, true);
      return event;
    } finally {
      lock.unlock();
    }
  }

  /** Prepares a bucket: expectations, noise, and (if asked) the per-call thresholds. */
  private Frame open(long start, long wallStart, long prevCalls, long prevCost, boolean thresholds) {
    Frame f = new Frame(start, wallStart, bucketNanos, prevCalls, prevCost);
    model.locate(wallStart);
    f.seasonLearned = model.seasonLearned();
    double n = model.effectiveN();
    f.expected[CALLS] = model.expected(CALLS);
    f.expected[COST] = model.expected(COST);
    if (recurring != null) {
      for (int ch = 0; ch < 2; ch++) {
        f.recur[ch] = recurring.factor(ch, localWall(wallStart));
        f.expected[ch] *= f.recur[ch];
      }
    }
    f.unit[CALLS] = 1;
    f.unit[COST] = costUnit(f.expected[COST]);
    for (int ch = 0; ch < 2; ch++) {
      double m = Math.max(MIN_MEAN, f.expected[ch] / f.unit[ch]);
      f.mean[ch] = m;
      double phi = model.dispersion(ch);
      f.phi[ch] = phi * (1 + 1 / n) + 1 / (n * m);
      double sigma = model.levelSigma(ch);
      f.tolerance[ch] = Math.exp(LEVEL_SIGMAS * sigma);
      f.breakerTolerance[ch] = Math.exp(BREAKER_LEVEL_SIGMAS * sigma);
      f.lone[ch] = loneBuckets * model.level(ch) / f.unit[ch];
    }
    f.warm = model.learnedBuckets() >= warmUpBuckets;
    if (thresholds) {
      judgingExpected[CALLS] = f.expected[CALLS];
      judgingExpected[COST] = f.expected[COST];
      int lv = level.get();
      fill(f, CALLS, lv, f.callAlert, f.callBreaker);
      fill(f, COST, lv, f.costAlert, f.costBreaker);
    }
    return f;
  }

  /** Raw units (nano-dollars) per effective unit of the cost channel. */
  private double costUnit(double expectedCost) {
    double c = model.level(CALLS);
    double k = model.level(COST);
    if (c > 1e-9 && k > 0) {
      return Math.max(1, (1 + COST_CV2) * k / c);
    }
    // Spend without call counts: let the learned dispersion carry the noise.
    return Math.max(1, expectedCost / 1000);
  }

  private void fill(Frame f, int ch, int lv, long[] alert, long[] breaker) {
    double unit = f.unit[ch];
    double mFull = f.mean[ch];
    double phi = f.phi[ch];
    double minEx = minExcess[ch] / unit;
    Evidence ev = evidence[ch];
    double tol = f.tolerance[ch];
    boolean alerts = f.warm && lv <= HUSHED;
    boolean trips = f.warm && breakerEnabled && lv < RUNAWAY;
    double spikeBar = Math.max(spikeMultiplier, alerts ? usualPeak(ev, ev.daySpikes) : 0);
    // The amount of a full bucket that lifts the smoothed multiple to the usual sustained peak.
    double riseBar = alerts ? usualPeak(ev, ev.dayRises) : 0;
    // Before anything is smoothed, judge() starts from the expectation: so do the thresholds.
    boolean smoothed = ev.smoothExpected > 0;
    double smoothExpected = smoothed ? ev.smoothExpected : tol * mFull;
    double smoothAmount = smoothed ? ev.smoothAmount : mFull;
    double riseFull = riseBar <= 0 ? 0 : Math.max(0, (riseBar * ((1 - riseSmoothing) * smoothExpected
        + riseSmoothing * tol * mFull) - (1 - riseSmoothing) * smoothAmount) / riseSmoothing);
    // The held rule judges a whole bucket, but the amount only grows within it: a call that brings
    // it to what makes the rule trip at the close trips the breaker then.
    double heldTrip = trips ? heldTrip(ev, Math.floorDiv(f.wallStart, DAY_NANOS), mFull, minEx)
        : Double.POSITIVE_INFINITY;
    for (int j = 0; j < Frame.SUBS; j++) {
      double m = Math.max(MIN_MEAN, mFull * Math.max(MIN_FRACTION, (j + 1) / (double) Frame.SUBS));
      double a = Double.POSITIVE_INFINITY;
      double b = Double.POSITIVE_INFINITY;
      if (alerts) {
        double spike = Tails.atLeast(m, phi, lnSpike, Math.max(spikeBar * m, m + minEx));
        double sustained = Math.max(Math.max(sustainedAmount(ev.sustained, m, phi, tol), m + minEx - ev.excess),
            riseFull * m / mFull);
        a = Math.min(spike, sustained);
      }
      if (trips) {
        double bm = breakerMultiplier * f.breakerTolerance[ch] * m;
        double cusum = Math.min(
            Tails.cusumAmount(breakerEvidence, ev.breakerFast, bm, phi, BREAKER_FAST, LN_BREAKER_FAST),
            Tails.cusumAmount(breakerEvidence, ev.breakerSlow, bm, phi, BREAKER_SLOW, LN_BREAKER_SLOW));
        // The current rise's excess (the breaker's own where the sustained test is off, see
        // judge()): a call that reaches this amount makes the close trip too.
        double excess = sustainedOff(tol) ? ev.breakerExcess : ev.excess;
        double statistical = Math.max(cusum, m + BREAKER_EXCESS * minEx - excess);
        if (!ev.rose) {
          statistical = Math.max(statistical, m + f.lone[ch]);
        }
        // The test judges the amount less what it pays back of a shortfall (see judge()): above
        // the owed level the amount pays back all it can before it counts again. What is owed is
        // a backlog, not a rate: the whole bucket's, however little of the bucket has passed (a
        // queue drained at once after an outage is still owed).
        if (ev.owed > 0 && statistical > ev.owedLevel * m) {
          statistical += owedAmount(ev, mFull, 1);
        }
        b = Math.min(statistical, heldTrip);
      }
      long ar = raw(a, unit);
      long br = raw(b, unit);
      long cap = capPerBucket[ch];
      if (cap != Long.MAX_VALUE) {
        if (breakerEnabled && lv < RUNAWAY) {
          br = Math.min(br, cap);
        } else if (!breakerEnabled && lv <= HUSHED) {
          ar = Math.min(ar, cap);
        }
      }
      alert[j] = ar;
      breaker[j] = br;
    }
  }

  private static long raw(double effective, double unit) {
    if (!(effective < Double.POSITIVE_INFINITY)) {
      return Long.MAX_VALUE;
    }
    double r = Math.ceil(effective * unit - 1e-9);
    if (r >= 9.0e18) {
      return Long.MAX_VALUE;
    }
    return Math.max(1, (long) r);
  }

  /**
   * Closes a bucket: judges its full amounts, updates the evidence, learns, and ends the episode
   * after the quiet period.
   */
  private MeterEvent close(Frame f, long xCalls, long xCost, boolean partialHot) {
    Verdict v = verdict.reset(partialHot);
    judgingDay = Math.floorDiv(f.wallStart, DAY_NANOS);
    judgingAt = f.start + bucketNanos;
    judgingExpected[CALLS] = f.expected[CALLS];
    judgingExpected[COST] = f.expected[COST];
    double[] x = {xCalls, xCost};
    for (int ch = 0; ch < 2; ch++) {
      double unit = f.unit[ch];
      // A trip within the bucket trips its held run (before held() ends and records it): once the
      // breaker is open the guard refuses the calls, so the close judges the amount at the trip,
      // which a statistical trip judged against part of the bucket often leaves below the multiple.
      if (ch == CALLS ? f.callTripped : f.costTripped) {
        evidence[ch].runTripped = true;
      }
      judge(v, ch, f.warm, x[ch] >= capPerBucket[ch], x[ch] / unit, f.mean[ch], f.phi[ch], minExcess[ch] / unit,
          f.tolerance[ch], f.breakerTolerance[ch], f.lone[ch], 1);
    }
    MeterEvent event = raise(v);
    int lv = level.get();
    double factor = learningFactor(v.spikeAny || v.capAny && f.warm, lv, v.dropping);
    // The meter's first learned bucket was judged against an expectation of nothing: its hour
    // would read as a swing (with half-hour buckets, the first hour at twice its expectation).
    boolean first = model.levelWeight() <= 0;
    learn(f, x, factor);
    if (recurring != null && f.warm) {
      double calls = recurringRatio(f, CALLS, xCalls);
      double cost = recurringRatio(f, COST, xCost);
      if (lv == RUNAWAY || f.callTripped || f.costTripped) {
        // The breaker refused calls in this bucket: the guard still counts a looping caller's
        // refused attempts as calls, but they spent nothing, so the spend's ratio is taken to be at
        // least the calls' (the spend per call unchanged). Without it a daily batch cut short by the
        // breaker on its first days was learned as a recurring burst in calls only, and its spend
        // tripped the breaker two days more.
        cost = Math.max(cost, calls);
      }
      recurring.record(localWall(f.wallStart), calls, cost);
    }
    for (int ch = 0; ch < 2; ch++) {
      double m = f.mean[ch];
      model.accumulateLevel(ch, x[ch] / f.unit[ch], m, m * (1 + f.phi[ch] * m), f.unit[ch]);
    }
    // Before warm-up the drop test is off: a closing hour judged then counts as one judged against
    // slots not yet learned (capped), even against learned slots (a restart on a first evening).
    model.closeLevelBucket(1, v.dropping || first ? 0 : factor, !f.seasonLearned || !f.warm);
    event = settle(event, v.hot, lv, f.start + bucketNanos);
    recordPeaks();
    return event;
  }

  /**
   * Outside an episode, moves the rises flagged since the last bucket outside one into today's
   * record, unless the episode reached a runaway (a runaway is not the service's usual).
   */
  private void recordPeaks() {
    int lv = level.get();
    episodeRunaway |= lv == RUNAWAY;
    episodeAlerted |= lv >= SPIKE;
    if (lv != NONE) {
      return;
    }
    for (Evidence ev : evidence) {
      if (episodeAlerted && (ev.pendingRise > 0 || ev.pendingSpike > 0)) {
        int i = ev.toldNext;
        ev.toldRises[i] = ev.pendingRise;
        ev.toldSpikes[i] = ev.pendingSpike;
        ev.toldRiseExpected[i] = ev.pendingRiseExpected;
        ev.toldSpikeExpected[i] = ev.pendingSpikeExpected;
        ev.toldEnds[i] = judgingAt;
        ev.toldNext = (i + 1) % ev.toldEnds.length;
      }
      if (!episodeRunaway && (ev.pendingRise > 0 || ev.pendingSpike > 0)) {
        advanceRecord(ev);
        int slot = (int) Math.floorMod(ev.runDay, (long) ev.dayRises.length);
        ev.dayRises[slot] = Math.max(ev.dayRises[slot], ev.pendingRise);
        ev.daySpikes[slot] = Math.max(ev.daySpikes[slot], ev.pendingSpike);
      }
      ev.pendingRise = 0;
      ev.pendingSpike = 0;
    }
    episodeRunaway = false;
    episodeAlerted = false;
  }

  /**
   * The bar a flagged rise must pass to be alerted: {@link #USUAL_PEAK_MARGIN} times the
   * second-highest day of the record, once it covers a full week; 0 (no bar) before that or when
   * usual peaks are alerted.
   */
  private double usualPeak(Evidence ev, double[] days) {
    // Read as judged last (the ring moves only when a span is judged: a frame opened at midnight
    // uses the bar of the day before).
    if (alertUsual || ev.runDays < days.length) {
      return 0;
    }
    double first = 0;
    double second = 0;
    for (double d : days) {
      if (d > first) {
        second = first;
        first = d;
      } else if (d > second) {
        second = d;
      }
    }
    return Math.max(toldPeak(days == ev.daySpikes), USUAL_PEAK_MARGIN * second);
  }

  /**
   * The bar set by what was already told: {@link #USUAL_PEAK_MARGIN} times the highest spike (or
   * sustained-rise) multiple of the alerted episodes that ended within {@link #TOLD_NANOS}, on
   * either channel (a call rate told at 10x and a spend rate at 8x are the same news); 0 if none.
   * A multiple told where its channel's expectation was lower counts at the height it reached, as
   * a multiple of that channel's expectation now: a 14x blip of a quiet night (14 calls a minute
   * against 1) does not hush a 4x rise at noon (400 against 100).
   */
  private double toldPeak(boolean spikes) {
    double p = 0;
    for (int c = 0; c < 2; c++) {
      Evidence ev = evidence[c];
      double[] peaks = spikes ? ev.toldSpikes : ev.toldRises;
      double[] at = spikes ? ev.toldSpikeExpected : ev.toldRiseExpected;
      double now = judgingExpected[c];
      for (int i = 0; i < peaks.length; i++) {
        // A polled span that ends before a told episode did (a monitor's clock set back) does not
        // keep that episode's memory until the clock is past it again.
        long age = ev.toldEnds[i] == Long.MIN_VALUE ? -1 : judgingAt - ev.toldEnds[i];
        if (age >= 0 && age < TOLD_NANOS) {
          p = Math.max(p, now > at[i] ? peaks[i] * (at[i] / now) : peaks[i]);
        }
      }
    }
    return USUAL_PEAK_MARGIN * p;
  }

  /** What judging one span (a closed bucket or a polled interval) on both channels found. */
  private static final class Verdict {
    boolean hot;
    boolean dropping;
    boolean spikeAny;
    boolean capAny;
    boolean hushed;
    int raiseSpike;
    int raiseRunaway;

    Verdict reset(boolean hotAlready) {
      hot = hotAlready;
      dropping = false;
      spikeAny = false;
      capAny = false;
      hushed = false;
      raiseSpike = -1;
      raiseRunaway = -1;
      return this;
    }
  }

  /**
   * The one judging routine, for both feeds: judges one channel's amount over a span of
   * {@code len} buckets (1 for a closed bucket, the interval's length for polled usage) against
   * the expectation, updates the channel's evidence and records in {@code v} what it calls for.
   *
   * @param warm whether the baseline has learned enough to judge against
   * @param cap whether the amount reached the configured absolute cap
   * @param xe the amount, in effective units
   * @param m the expected amount, effective units
   * @param phi the dispersion of the amount
   * @param minEx the minimum excess a spike needs, effective units
   * @param tol the day-level tolerance of the sustained-rise test
   * @param breakerTol the day-level tolerance of the breaker's test
   * @param lone the excess, effective units, with which the bucket trips the breaker's test when
   *     the bucket before was not at the multiple ({@link #LONE_TRIP_NANOS}); negative infinity for
   *     polled spans, which are an interval's total and are judged without it
   * @param len the span's length in buckets
   */
  private void judge(Verdict v, int ch, boolean warm, boolean cap, double xe, double m, double phi, double minEx,
      double tol, double breakerTol, double lone, double len) {
    Evidence ev = evidence[ch];
    v.capAny |= cap;
    if (!warm) {
      ev.clear();
      if (cap) {
        v.hot = true;
        if (breakerEnabled) {
          v.raiseRunaway = v.raiseRunaway < 0 ? ch : v.raiseRunaway;
        } else {
          v.raiseSpike = v.raiseSpike < 0 ? ch : v.raiseSpike;
        }
      }
      return;
    }
    advanceRecord(ev);
    // The level a shortfall starting now is owed at: the smoothed multiple before this span.
    double owedLevel = ev.owed > 0 ? ev.owedLevel : owedLevel(ev, tol);
    // The half-hour smoothed multiple over the tolerated level, which the usual sustained peak is.
    double w = len == 1 ? riseSmoothing : -Math.expm1(len * Math.log1p(-riseSmoothing));
    if (!(ev.smoothExpected > 0)) {
      // Nothing smoothed yet (the first span judged after the warm-up, or after a restart: the
      // smoothing is not exported): start from a half hour at the expectation, so that a rise
      // right after a restart is not recorded as the average of the few buckets since.
      ev.smoothAmount = m;
      ev.smoothExpected = tol * m;
    }
    ev.smoothAmount += w * (xe - ev.smoothAmount);
    ev.smoothExpected += w * (tol * m - ev.smoothExpected);
    double smoothed = ev.smoothAmount / Math.max(MIN_MEAN, ev.smoothExpected);
    boolean spiked = xe >= spikeMultiplier * m && xe - m >= minEx && Tails.rate(xe, m, phi) >= lnSpike;
    if (spiked && !rejudging && xe / m > ev.pendingSpike) {
      ev.pendingSpike = xe / m;
      ev.pendingSpikeExpected = judgingExpected[ch];
    }
    boolean spike = spiked && xe >= usualPeak(ev, ev.daySpikes) * m;
    boolean wasDropping = ev.drop >= sustainedEvidence;
    ev.drop = clamp(ev.drop + Tails.llr(xe, m, phi, DROP, LN_DROP), sustainedEvidence);
    v.dropping |= ev.drop >= sustainedEvidence;
    // The breaker's statistical test judges the amount less what it pays back of a shortfall
    // (xb): a backlog caught up after a gap is the day's traffic, late.
    double payback = payback(ev, xe, m, len);
    double xb = xe - payback;
    ev.sustained = Math.max(0, ev.sustained + sustainedLlr(xe, m, phi, tol));
    ev.excess = ev.sustained > 0 ? ev.excess + (xe - m) : 0;
    boolean risen = ev.sustained >= sustainedEvidence && ev.excess >= minEx;
    if (risen && !rejudging && smoothed > ev.pendingRise) {
      ev.pendingRise = smoothed;
      ev.pendingRiseExpected = judgingExpected[ch];
    }
    boolean sustained = risen && smoothed >= usualPeak(ev, ev.dayRises);
    v.hushed |= spiked && !spike || risen && !sustained;
    ev.sustained = Math.min(ev.sustained, sustainedEvidence);
    double bm = breakerMultiplier * breakerTol * m;
    ev.breakerFast = clamp(ev.breakerFast + Tails.llr(xb, bm, phi, BREAKER_FAST, LN_BREAKER_FAST), breakerEvidence);
    ev.breakerSlow = clamp(ev.breakerSlow + Tails.llr(xb, bm, phi, BREAKER_SLOW, LN_BREAKER_SLOW), breakerEvidence);
    // No sustained rise is news on a service whose hours swing that much (the sustained test off,
    // its excess 0): the breaker asks its minimum excess of its own rise instead, the excess since
    // its CUSUMs left 0 (kept apart, so that it never counts toward a sustained rise). Without it
    // the close could never trip by this test while the per-call thresholds (fill) still did; with
    // it switched off for calls as well, a 100x runaway on two bursty tweet series waited for the
    // 15-minute hold (benchmarks/REAL-RUNS.md, session 43).
    boolean off = sustainedOff(tol);
    ev.breakerExcess = off && (ev.breakerFast > 0 || ev.breakerSlow > 0) ? ev.breakerExcess + (xe - m) : 0;
    boolean trip = (ev.rose || xb - m >= lone)
        && (ev.breakerFast >= breakerEvidence || ev.breakerSlow >= breakerEvidence)
        && (off ? ev.breakerExcess : ev.excess) >= BREAKER_EXCESS * minEx;
    // A bucket at the multiple starts a run. Not by the minimum excess too, as the held rule counts
    // one: at 0.5 calls a minute a 10x runaway's buckets (5 calls) rarely clear it, which took its
    // median trip from 10 to 50 minutes (benchmarks/REAL-RUNS.md). At a near-zero expectation one
    // call is at the multiple, and starts a run.
    ev.rose = xb >= breakerMultiplier * m && xb > m;
    trip |= held(ev, xe, m, minEx, len);
    owe(ev, xe, m, len, owedLevel, payback, wasDropping || ev.drop >= sustainedEvidence);
    ev.runTripped |= trip;
    // A trip or a cap is a runaway even where breakers are disabled (it is alerted as a spike
    // there, and the level never reads RUNAWAY): its episode's rises are not the service's usual.
    episodeRunaway |= trip || cap;
    v.spikeAny |= spiked;
    v.hot |= spiked || risen || trip || cap || ev.held > 0 || ev.sustained >= sustainedEvidence * HOT_EVIDENCE;
    if ((trip || cap) && breakerEnabled && v.raiseRunaway < 0) {
      v.raiseRunaway = ch;
    } else if ((spike || sustained || trip || cap) && v.raiseSpike < 0) {
      v.raiseSpike = ch;
    }
  }

  /**
   * The level a shortfall starting now would be owed at: the half-hour smoothed multiple of the
   * expectation (the day's level, which the baseline does not follow), at least 1 and at most the
   * sustained and the spike multiple (a level above those is a rise, not the day's traffic), and
   * below the breaker multiple (every bucket at the breaker multiple then pays back while anything
   * is owed, which {@link #heldTrip} relies on).
   */
  private double owedLevel(Evidence ev, double tol) {
    double s = ev.smoothExpected > 0 ? tol * ev.smoothAmount / ev.smoothExpected : 1;
    double cap = Math.min(Math.min(sustainedMultiplier, spikeMultiplier), breakerMultiplier * (1 - 1e-6));
    return Math.min(cap, Math.max(1, s));
  }

  /**
   * What a span of amount {@code xe} (effective units) pays back of what a shortfall left owed:
   * its amount above the owed level, up to what is owed ({@link #owedAmount}); {@code m} is the
   * span's expectation, {@code len} its length in buckets.
   */
  private static double payback(Evidence ev, double xe, double m, double len) {
    return ev.owed > 0 ? Math.min(owedAmount(ev, m, len), Math.max(0, xe - ev.owedLevel * m)) : 0;
  }

  /**
   * What is owed as an amount where a span of {@code len} buckets expects {@code m}: the buckets
   * owed at the owed level of this expectation. Owed as time rather than as an amount, a backlog is
   * worth little where little is expected: a shop whose traffic stopped at closing time faster
   * than its baseline's hours fell owes nothing to an order at night.
   */
  private static double owedAmount(Evidence ev, double m, double len) {
    return ev.owed * ev.owedLevel * m / len;
  }

  /**
   * Moves what a shortfall left owed ({@link Evidence#owed}) past one judged span: a span below
   * half the owed level while the drop CUSUM stands at its threshold adds what it fell short of
   * that level; a span above the level pays back; the span right after the shortfall (where the
   * catch-up may start within the bucket) keeps it; any other span forfeits it (traffic came back
   * without a backlog). Nothing is owed while a runaway episode is open: the breaker rejects the
   * calls, so the shortfall is its own.
   */
  private void owe(Evidence ev, double xe, double m, double len, double owedLevel, double payback,
      boolean dropped) {
    double levelAmount = owedLevel * m;
    boolean owing = false;
    if (level.get() == RUNAWAY) {
      ev.owed = 0;
    } else if (payback > 0) {
      double paid = len * payback / levelAmount;
      ev.owed = paid >= ev.owed * (1 - 1e-9) ? 0 : ev.owed - paid;
    } else if (dropped && xe < DROP * levelAmount) {
      ev.owed = Math.min(maxOwedBuckets, ev.owed + len * (1 - xe / levelAmount));
      ev.owedLevel = owedLevel;
      owing = true;
    } else if (!ev.owing) {
      ev.owed = 0;
    }
    ev.owing = owing;
  }

  /** Raises what the verdict calls for: a runaway (escalating any open episode) or a new spike episode. */
  private MeterEvent raise(Verdict v) {
    if (v.raiseRunaway >= 0) {
      return escalate(v.raiseRunaway);
    }
    if (v.raiseSpike >= 0 && announce()) {
      return spikeEvent(v.raiseSpike);
    }
    if (v.hushed) {
      level.compareAndSet(NONE, HUSHED);
    }
    return MeterEvent.NONE;
  }

  /**
   * Keeps the episode open while spans are hot, and ends it (clearing the breaker's evidence) once
   * none has been for the quiet period; {@code end} is the judged span's end.
   */
  private MeterEvent settle(MeterEvent event, boolean hot, int lv, long end) {
    if (hot) {
      lastHot = end;
      everHot = true;
    } else if (lv != NONE && (!everHot || end - lastHot >= quietNanos) && level.compareAndSet(lv, NONE)) {
      for (Evidence ev : evidence) {
        ev.breakerFast = 0;
        ev.breakerSlow = 0;
        ev.breakerExcess = 0;
      }
      // A hushed episode sent nothing, so it sends no "back to normal" either.
      if (event == MeterEvent.NONE && lv != HUSHED) {
        return MeterEvent.RESOLVED;
      }
    }
    return event;
  }

  /**
   * The weight a closed bucket is learned with: none for a spike bucket or while a runaway episode
   * is open (the breaker rejects calls, so counts mean nothing), a quarter during a spike episode
   * or a drop (a legitimate new level is still learned, four times slower), otherwise full.
   */
  private static double learningFactor(boolean anomalous, int lv, boolean dropping) {
    if (anomalous || lv == RUNAWAY) {
      return 0;
    }
    return lv == SPIKE || lv == HUSHED || dropping ? EPISODE_LEARNING : 1;
  }

  /** Learns one full bucket (x in raw units) at the frame's position, clipped. */
  private void learn(Frame f, double[] x, double factor) {
    model.countBucket(1);
    if (factor <= 0) {
      return;
    }
    model.locate(f.wallStart);
    boolean established = model.established(ESTABLISHED);
    double[] clipped = new double[2];
    double[] seasonal = new double[2];
    for (int ch = 0; ch < 2; ch++) {
      // The seasonal baseline learns the bucket without the burst that recurs at this time of day:
      // a burst that came is learned as the seasonal expectation, one that stayed away as it was.
      double r = f.recur[ch];
      double e = f.expected[ch] / r;
      seasonal[ch] = r > 1 ? Math.min(x[ch], Math.max(e, x[ch] / r)) : x[ch];
      clipped[ch] = established ? winsorise(seasonal[ch], e, f.unit[ch], f.mean[ch] / r, f.phi[ch]) : seasonal[ch];
    }
    model.learn(clipped[CALLS], clipped[COST], factor);
    if (established) {
      for (int ch = 0; ch < 2; ch++) {
        double m = f.mean[ch] / f.recur[ch];
        double xe = seasonal[ch] / f.unit[ch];
        double var = m * (1 + model.dispersion(ch) * m);
        model.learnDispersion(ch, xe, m, m * m, 25 * var + 25, 1, factor);
      }
    }
  }

  /**
   * A bucket's start on the settings' zone's clock (nanoseconds since the local epoch), so that a
   * burst at 04:00 local time stays at 04:00 across a daylight-saving change, as the seasonal
   * baseline's hours do.
   */
  private long localWall(long wallStart) {
    long seconds = Math.floorDiv(wallStart, NANOS_PER_SECOND);
    int offset = zone.isFixedOffset() ? zone.getOffset(Instant.EPOCH).getTotalSeconds()
        : zone.getOffset(Instant.ofEpochSecond(seconds)).getTotalSeconds();
    return wallStart + offset * NANOS_PER_SECOND;
  }

  /**
   * A closed bucket's amount over its seasonal expectation (without the recurring factor), when
   * it rose significantly above it: at least twice, by the minimum excess, and with a tail
   * probability below e^-9 under the learned noise; otherwise 0.
   */
  private double recurringRatio(Frame f, int ch, long amount) {
    double r = f.recur[ch];
    double m = f.mean[ch] / r;
    double xe = amount / f.unit[ch];
    if (xe < RecurringBursts.MIN_RATIO * m || (xe - m) * f.unit[ch] < minExcess[ch]
        || Tails.rate(xe, m, f.phi[ch]) < RecurringBursts.SIGNIFICANCE) {
      return 0;
    }
    return xe / m;
  }

  private static double winsorise(double x, double expected, double unit, double mean, double phi) {
    double sd = unit * Math.sqrt(mean * (1 + phi * mean));
    double hi = Math.max(expected + WINSOR_SIGMAS * sd + unit, WINSOR_RATIO * expected);
    double lo = Math.max(0, Math.min(expected - WINSOR_SIGMAS * sd - unit, expected / WINSOR_RATIO));
    return Math.min(hi, Math.max(lo, x));
  }

  /**
   * The log-likelihood ratio of the sustained-rise CUSUM: "the rate is sustainedMultiplier times
   * the expectation" against "the rate is at the tolerated level {@code tol} times the
   * expectation"; minus infinity (which resets the CUSUM) when the tolerance leaves too little room.
   */
  private double sustainedLlr(double x, double m, double phi, double tol) {
    if (tol == 1) {
      return Tails.llr(x, m, phi, sustainedMultiplier, lnSustained);
    }
    double k = sustainedMultiplier / tol;
    return sustainedOff(tol) ? Double.NEGATIVE_INFINITY : Tails.llr(x, tol * m, phi, k, Math.log(k));
  }

  /**
   * Whether the sustained-rise test is off at this day-level tolerance: the sustained multiple is
   * less than {@link #MIN_SUSTAINED} times the tolerated level (at defaults, a level that varies by
   * about 0.4 in log terms from hour to hour). Its excess then stays 0, and the breaker's
   * statistical test measures its minimum excess on its own rise ({@link Evidence#breakerExcess}).
   */
  private boolean sustainedOff(double tol) {
    return tol != 1 && sustainedMultiplier / tol < MIN_SUSTAINED;
  }

  /** The amount in this bucket that lifts the sustained-rise CUSUM from {@code s} to its threshold. */
  private double sustainedAmount(double s, double m, double phi, double tol) {
    if (tol == 1) {
      return Tails.cusumAmount(sustainedEvidence, s, m, phi, sustainedMultiplier, lnSustained);
    }
    double k = sustainedMultiplier / tol;
    return sustainedOff(tol) ? Double.POSITIVE_INFINITY
        : Tails.cusumAmount(sustainedEvidence, s, tol * m, phi, k, Math.log(k));
  }

  /**
   * The held-multiple rule ({@link DetectionSettings#runawayHold()}): a rate at or above the breaker
   * multiple of the expectation in every bucket for the hold trips, with the excess the breaker asks
   * for, whatever the noise model or the learned day-to-day variability says of each bucket: spend
   * is spend. The multiple is not widened by the variability (an earlier version widened it by the
   * square root of the day-level tolerance, which put it past 10x on the series whose level moves
   * most, so that a 10x runaway there was never held; see benchmarks/REAL-RESULTS.md). After a
   * week of record the hold is the service's own ({@link #holdFor}); a run that tripped (at a
   * close, or at a call within one of its buckets: {@link #close}) is not recorded (a runaway is
   * not the service's normal), and buckets owed to a recent shortfall (a
   * catch-up after a gap or an outage) neither count towards a shortened hold nor enter the record:
   * a backlog paid back after a day-long outage is not the service's own burst, and recorded as one
   * it kept the hold at the configured length for the week after. What a bucket pays back of
   * what a shortfall judged a drop left owed ({@link Evidence#owed}, {@link #owe}) also restarts the
   * clear count, and a shortened hold judges the run's average without it. {@code len}
   * is the judged span in buckets (1 per closed bucket, the interval's length for polled usage).
   * The call that brings a bucket to the amount with which this trips at the close trips then
   * ({@link #heldTrip}, part of the bucket's breaker thresholds).
   */
  private boolean held(Evidence ev, double xe, double m, double minEx, double len) {
    if (holdBuckets <= 0) {
      return false;
    }
    double hold = holdFor(ev);
    // What a gap left owed: a catch-up pays it back before its buckets count for a short hold.
    ev.deficit = Math.max(0, ev.deficit + (1 - DEFICIT_SLACK) * m - xe);
    double payback = payback(ev, xe, m, len);
    if (xe >= breakerMultiplier * m && xe - m >= minEx) {
      ev.held += len;
      ev.heldExcess += xe - m;
      ev.heldExpected += m;
      ev.heldOwed += payback;
      ev.heldClear = ev.deficit > 0 || payback > 0 ? 0 : ev.heldClear + len;
    } else {
      if (ev.held > 0 && !ev.runTripped) {
        recordRun(ev, ev.heldClear);
      }
      ev.held = 0;
      ev.heldExcess = 0;
      ev.heldOwed = 0;
      ev.heldExpected = 0;
      ev.heldClear = 0;
      ev.runTripped = false;
    }
    if (ev.heldExcess < BREAKER_EXCESS * minEx) {
      return false;
    }
    if (ev.held >= holdBuckets - 1e-9) {
      return true;
    }
    // A shortened hold asks for a run clearly past the multiple on average: a rate sitting on the
    // 5x edge is not a runaway by the breaker's "above 5x", and waits for the full hold.
    return hold < holdBuckets && ev.heldClear >= clearHold(ev, hold) - 1e-9
        && ev.heldExcess - ev.heldOwed >= (SHORT_HOLD_MARGIN * breakerMultiplier - 1) * ev.heldExpected;
  }

  /**
   * The clear buckets a shortened hold asks of the run: one more than the hold if the run spent
   * buckets paying back a deficit (the deficit counts a shortfall less its slack, so a long
   * catch-up may still be paying back the rest).
   */
  private static double clearHold(Evidence ev, double hold) {
    return ev.heldClear < ev.held - 1e-9 ? hold + 1 : hold;
  }

  /**
   * The least amount of a bucket (effective units, {@code m} its expectation) with which
   * {@link #held} trips when the bucket closes, infinite if no amount does: every condition of the
   * rule only gets easier as the amount grows, so each gives a lower bound. Computed when the
   * bucket opens, from the evidence as it will be judged at the close ({@code day} is the
   * bucket's). A little above the exact bound, so that rounding never trips a bucket early that
   * the close would not.
   */
  private double heldTrip(Evidence ev, long day, double m, double minEx) {
    if (holdBuckets <= 0) {
      return Double.POSITIVE_INFINITY;
    }
    // The bucket joins the run (at the multiple, with the minimum excess) and the run has the
    // excess the breaker asks for.
    double x = Math.max(Math.max(breakerMultiplier * m, m + minEx), m + BREAKER_EXCESS * minEx - ev.heldExcess);
    if (ev.held + 1 < holdBuckets - 1e-9) {
      double hold = holdAt(ev, day);
      // After this bucket the run and its clear part are one bucket longer (if it is clear).
      // A bucket at the multiple pays back what a shortfall left owed (the owed level is below the
      // breaker multiple), which restarts the clear count.
      if (hold >= holdBuckets || ev.heldClear + 1 < clearHold(ev, hold) - 1e-9 || ev.owed > 0) {
        return Double.POSITIVE_INFINITY;
      }
      // A shortened hold: the bucket pays back any deficit (or its clear count restarts) and
      // lifts the run's average to the short hold's multiple.
      x = Math.max(x, ev.deficit + (1 - DEFICIT_SLACK) * m);
      x = Math.max(x, (SHORT_HOLD_MARGIN * breakerMultiplier - 1) * (ev.heldExpected + m)
          - (ev.heldExcess - ev.heldOwed) + m);
    }
    return x * (1 + 1e-9);
  }

  /** Moves the ring of daily records to the judged day. */
  private void advanceRecord(Evidence ev) {
    long day = judgingDay;
    if (ev.runDay == Long.MIN_VALUE) {
      ev.runDay = day;
      ev.runDays = 1;
      return;
    }
    long n = ev.dayRuns.length;
    for (long d = ev.runDay + 1; d <= day && d <= ev.runDay + n; d++) {
      ev.dayRuns[(int) Math.floorMod(d, n)] = 0;
      ev.dayRises[(int) Math.floorMod(d, n)] = 0;
      ev.daySpikes[(int) Math.floorMod(d, n)] = 0;
    }
    if (day > ev.runDay) {
      ev.runDays = (int) Math.min(n, ev.runDays + (day - ev.runDay));
      ev.runDay = day;
    }
  }

  private void recordRun(Evidence ev, double run) {
    advanceRecord(ev);
    int slot = (int) Math.floorMod(ev.runDay, (long) ev.dayRuns.length);
    ev.dayRuns[slot] = Math.max(ev.dayRuns[slot], run);
  }

  /**
   * The hold for this channel: the configured one until the record covers a full week, then twice
   * the longest held run of the week plus two buckets (two after a week without a bucket at the
   * multiple), never longer than the configured one.
   */
  private double holdFor(Evidence ev) {
    advanceRecord(ev);
    return holdAt(ev, judgingDay);
  }

  /**
   * What {@link #holdFor} returns on {@code day}, without moving the ring: the days the ring
   * would clear by then count as no run.
   */
  private double holdAt(Evidence ev, long day) {
    if (ev.runDay == Long.MIN_VALUE) {
      return holdBuckets;
    }
    int n = ev.dayRuns.length;
    long days = day > ev.runDay ? Math.min(n, ev.runDays + (day - ev.runDay)) : ev.runDays;
    if (days < n) {
      return holdBuckets;
    }
    double r = 0;
    for (long d = Math.max(ev.runDay, day) - n + 1; d <= ev.runDay; d++) {
      r = Math.max(r, ev.dayRuns[(int) Math.floorMod(d, (long) n)]);
    }
    return Math.min(holdBuckets, Math.ceil(RECORD_MARGIN * r + RECORD_EXTRA - 1e-9));
  }

  private static double clamp(double s, double max) {
    return s < 0 ? 0 : Math.min(s, max);
  }

  // ---------------------------------------------------------------------------------------------
  // Polled usage

  /**
   * Judges and learns polled usage covering {@code [from, to)}: account-wide figures that arrive
   * in coarse, irregular intervals. The interval is judged as a whole against the amount expected
   * over it (the seasonal expectation integrated bucket by bucket), with the noise of a sum over
   * those buckets; there is no per-call timing to exploit, so a runaway is seen when the interval
   * is reported. For learning, the amounts are spread evenly over the interval's buckets; time
   * already observed by an earlier, overlapping interval is judged again but not learned twice.
   *
   * @param from start of the span
   * @param to end of the span, after {@code from}
   * @param callCount calls in the span, 0 when unknown
   * @param costNanos spend in the span
   * @return what to do
   * @throws IllegalArgumentException if the span is empty or an amount is negative or not finite
   */
  public MeterEvent observe(Instant from, Instant to, double callCount, long costNanos) {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(to, "to");
    if (!to.isAfter(from)) {
      throw new IllegalArgumentException("to must be after from, got from=" + from + " to=" + to);
    }
    if (!(callCount >= 0) || !Double.isFinite(callCount)) {
      throw new IllegalArgumentException("callCount must be a finite number >= 0, got " + callCount);
    }
    if (costNanos < 0) {
      throw new IllegalArgumentException("costNanos must be >= 0, got " + costNanos);
    }
    lock.lock();
    try {
      return observeLocked(epochNanos(from), epochNanos(to), callCount, costNanos);
    } finally {
      lock.unlock();
    }
  }

  private MeterEvent observeLocked(long a, long b, double xCalls, long xCost) {
    long first = Math.floorDiv(a, bucketNanos);
    long last = Math.floorDiv(b - 1, bucketNanos);
    double[] expected = new double[2];
    double[] squares = new double[2];
    double minN = Double.POSITIVE_INFINITY;
    boolean seasonLearned = true;
    for (long k = first; k <= last; k++) {
      long bs = k * bucketNanos;
      double ov = (Math.min(b, bs + bucketNanos) - Math.max(a, bs)) / (double) bucketNanos;
      model.locate(bs);
      seasonLearned &= model.seasonLearned();
      minN = Math.min(minN, model.effectiveN());
      for (int ch = 0; ch < 2; ch++) {
        double e = model.expected(ch) * ov;
        expected[ch] += e;
        squares[ch] += e * e;
      }
    }
    double buckets = (b - a) / (double) bucketNanos;
    boolean warm = model.learnedBuckets() >= warmUpBuckets;
    double[] x = {xCalls, xCost};
    double[] unit = {1, costUnit(expected[COST] / Math.max(1, buckets))};
    double[] mean = new double[2];
    double[] phiInterval = new double[2];
    Verdict v = verdict.reset(false);
    judgingDay = Math.floorDiv(b - 1, DAY_NANOS);
    judgingAt = b;
    judgingExpected[CALLS] = expected[CALLS] / buckets;
    judgingExpected[COST] = expected[COST] / buckets;
    // A span mostly observed before (a restarted monitor's first poll reports the day so far
    // again) is judged again but, as it is not learned twice, its rises are not recorded twice
    // either: a runaway kept out of the record would come back in as the average of the span
    // around it. The few seconds a cumulative report's new bucket overlaps the last poll do not count.
    rejudging = observedUntil > a && observedUntil - a > (b - a) / 2;
    for (int ch = 0; ch < 2; ch++) {
      double u = unit[ch];
      double m = Math.max(MIN_MEAN, expected[ch] / u);
      mean[ch] = m;
      double phi = model.dispersion(ch);
      double perBucket = Math.max(MIN_MEAN, m / Math.max(1, buckets));
      phiInterval[ch] = phi * squares[ch] / (u * u * m * m + 1e-300) + (phi + 1 / perBucket) / minN;
      boolean cap = capPerBucket[ch] != Long.MAX_VALUE && x[ch] >= capPerBucket[ch] * buckets;
      double sigma = model.levelSigma(ch);
      judge(v, ch, warm, cap, x[ch] / u, m, phiInterval[ch], minExcess[ch] / u, Math.exp(LEVEL_SIGMAS * sigma),
          Math.exp(BREAKER_LEVEL_SIGMAS * sigma), Double.NEGATIVE_INFINITY, buckets);
    }
    rejudging = false;
    MeterEvent event = raise(v);
    int lv = level.get();
    double factor = learningFactor(v.spikeAny || v.capAny && warm, lv, v.dropping);
    boolean unlearned = model.levelWeight() <= 0;
    learnSpread(a, b, x, mean, unit, squares, buckets, factor);
    for (int ch = 0; ch < 2; ch++) {
      double m = mean[ch];
      model.accumulateLevel(ch, x[ch] / unit[ch], m, m * (1 + phiInterval[ch] * m), unit[ch]);
    }
    model.closeLevelBucket(buckets, v.dropping || unlearned ? 0 : factor, !seasonLearned || !warm);
    event = settle(event, v.hot, lv, b);
    recordPeaks();
    double perMinute = 60.0 * NANOS_PER_SECOND / (b - a);
    observedCallsPerMinute = xCalls * perMinute;
    observedCostPerHour = xCost / 1e9 * perMinute * 60;
    observedBaselineCalls = warm ? expected[CALLS] * perMinute : Double.NaN;
    observedBaselineCost = warm ? expected[COST] / 1e9 * perMinute * 60 : Double.NaN;
    observed = true;
    return event;
  }

  /** Learns an interval spread evenly over its buckets, skipping time already learned. */
  private void learnSpread(long a, long b, double[] x, double[] mean, double[] unit, double[] squares,
      double buckets, double factor) {
    long from = Math.max(a, observedUntil);
    if (from >= b) {
      return;
    }
    observedUntil = b;
    double newBuckets = (b - from) / (double) bucketNanos;
    model.countBucket(newBuckets);
    if (factor <= 0) {
      return;
    }
    double share = newBuckets / buckets;
    double[] perBucket = {x[CALLS] / buckets, x[COST] / buckets};
    for (long k = Math.floorDiv(from, bucketNanos); k <= Math.floorDiv(b - 1, bucketNanos); k++) {
      long bs = k * bucketNanos;
      double ov = (Math.min(b, bs + bucketNanos) - Math.max(from, bs)) / (double) bucketNanos;
      model.locate(bs);
      boolean established = model.established(ESTABLISHED);
      double[] clipped = new double[2];
      for (int ch = 0; ch < 2; ch++) {
        double e = model.expected(ch);
        double m = Math.max(MIN_MEAN, e / unit[ch]);
        clipped[ch] = established ? winsorise(perBucket[ch], e, unit[ch], m, model.dispersion(ch)) : perBucket[ch];
      }
      model.learn(clipped[CALLS], clipped[COST], factor * ov);
    }
    model.locate(Math.floorDiv(a, bucketNanos) * bucketNanos);
    if (model.established(ESTABLISHED)) {
      for (int ch = 0; ch < 2; ch++) {
        double m = mean[ch];
        double xe = x[ch] / unit[ch];
        double sq = squares[ch] / (unit[ch] * unit[ch]);
        double var = m + model.dispersion(ch) * sq;
        model.learnDispersion(ch, xe, m, sq, 25 * var + 25, newBuckets, factor * share);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reading

  /**
   * Reads the meter. The current rate blends the current partial bucket with the previous one
   * (a sliding window one bucket wide); the baseline is the learned expectation for the current
   * bucket. A meter fed by {@link #observe} reports the last interval's rates.
   *
   * @param nowNanos the ticker's reading
   * @return the snapshot
   */
  public MeterSnapshot snapshot(long nowNanos) {
    Frame fr = frame;
    boolean inEpisode = level.get() >= SPIKE;
    if (fr == null) {
      if (observed) {
        boolean warm = !Double.isNaN(observedBaselineCalls);
        return new MeterSnapshot(observedCostPerHour, observedBaselineCost, observedCallsPerMinute,
            observedBaselineCalls, warm, inEpisode);
      }
      return new MeterSnapshot(0, Double.NaN, 0, Double.NaN, false, inEpisode);
    }
    long elapsed = nowNanos - fr.start;
    double f;
    double curCalls;
    double curCost;
    double prevCalls;
    double prevCost;
    if (elapsed < bucketNanos) {
      f = Math.max(0, elapsed) / (double) bucketNanos;
      curCalls = calls.get();
      curCost = cost.get();
      prevCalls = fr.prevCalls;
      prevCost = fr.prevCost;
    } else if (elapsed < 2 * bucketNanos) {
      f = (elapsed - bucketNanos) / (double) bucketNanos;
      curCalls = 0;
      curCost = 0;
      prevCalls = calls.get();
      prevCost = cost.get();
    } else {
      f = 0;
      curCalls = 0;
      curCost = 0;
      prevCalls = 0;
      prevCost = 0;
    }
    double perMinute = 60.0 * NANOS_PER_SECOND / bucketNanos;
    double callsPerBucket = prevCalls * (1 - f) + curCalls;
    double costPerBucket = prevCost * (1 - f) + curCost;
    boolean warm = fr.warm;
    return new MeterSnapshot(costPerBucket / 1e9 * perMinute * 60,
        warm ? fr.expected[COST] / 1e9 * perMinute * 60 : Double.NaN, callsPerBucket * perMinute,
        warm ? fr.expected[CALLS] * perMinute : Double.NaN, warm, inEpisode);
  }

  /**
   * Exports the learned baseline (see {@link BaselineState}). Blocks briefly while a bucket is
   * being closed.
   *
   * @return the baseline
   */
  public BaselineState exportBaseline() {
    lock.lock();
    try {
      return new BaselineState(bucketNanos, settings.seasonality(), model.learnedBuckets(),
          new double[] {model.level(CALLS), model.level(COST)}, model.levelWeight(),
          new double[][] {model.dispersionSums(CALLS), model.dispersionSums(COST)},
          new float[][] {model.daySlots(CALLS), model.daySlots(COST)}, model.dayWeights(),
          new float[][] {model.weekSlots(CALLS), model.weekSlots(COST)}, model.weekWeights(),
          model.variabilityState(), new long[] {evidence[0].runDay, evidence[1].runDay},
          new int[] {evidence[0].runDays, evidence[1].runDays},
          new double[][] {evidence[0].dayRuns, evidence[1].dayRuns}, observedUntil,
          recurring == null ? new long[0] : recurring.export(),
          new double[][] {evidence[0].dayRises, evidence[1].dayRises},
          new double[][] {evidence[0].daySpikes, evidence[1].daySpikes});
    } finally {
      lock.unlock();
    }
  }

  /**
   * Whether the baseline is trusted (warm-up over) as of the current bucket; one volatile read,
   * no allocation. Before the first observation it is {@code false}.
   *
   * @return whether the meter is warmed up
   */
  public boolean warmedUp() {
    Frame fr = frame;
    return fr != null && fr.warm;
  }

  /**
   * Returns the calls of about the last bucket (the current part plus the share of the previous
   * bucket still inside a sliding bucket-long window), as {@link #snapshot(long)} reads them, but
   * without allocating: for rules of the meter's owner on the hot path.
   *
   * @param nowNanos the ticker's reading
   * @return calls per bucket
   */
  public double recentCalls(long nowNanos) {
    return recent(nowNanos, CALLS);
  }

  /**
   * Returns the spend of about the last bucket in nano-dollars, like {@link #recentCalls(long)}.
   *
   * @param nowNanos the ticker's reading
   * @return nano-dollars per bucket
   */
  public double recentCostNanos(long nowNanos) {
    return recent(nowNanos, COST);
  }

  private double recent(long nowNanos, int channel) {
    Frame fr = frame;
    if (fr == null) {
      return 0;
    }
    long elapsed = nowNanos - fr.start;
    StripedCounter current = channel == CALLS ? calls : cost;
    double prev = channel == CALLS ? fr.prevCalls : fr.prevCost;
    if (elapsed < bucketNanos) {
      return prev * (1 - Math.max(0, elapsed) / (double) bucketNanos) + current.get();
    }
    if (elapsed < 2 * bucketNanos) {
      return current.get() * (1 - (elapsed - bucketNanos) / (double) bucketNanos);
    }
    return 0;
  }

  /**
   * Returns the pace of the current bucket so far, per minute: the calls counted in it, or its
   * spend in dollars per hour for {@code calls == false}, divided by the share of the bucket that
   * has passed (at least a quarter, as the meter's own thresholds read a bucket's first calls). This
   * is the figure a runaway within a bucket is judged on; {@link #snapshot(long)} blends it with the
   * previous bucket, which after a sudden rise reads far lower. Zero before the first call and once
   * the current bucket has ended.
   *
   * @param nowNanos the ticker's reading
   * @param calls {@code true} for calls per minute, {@code false} for dollars per hour
   * @return the pace
   */
  public double currentPace(long nowNanos, boolean calls) {
    Frame fr = frame;
    if (fr == null) {
      return 0;
    }
    long elapsed = nowNanos - fr.start;
    if (elapsed >= bucketNanos) {
      return 0;
    }
    double share = Math.max(MIN_FRACTION, Math.max(0, elapsed) / (double) bucketNanos);
    double perMinute = 60.0 * NANOS_PER_SECOND / bucketNanos;
    double perBucket = (calls ? this.calls.get() : cost.get()) / share;
    return calls ? perBucket * perMinute : perBucket / 1e9 * perMinute * 60;
  }

  /**
   * Returns every call counted so far ({@link #onCall}, {@link #onCalls}), for statistics that
   * need a running total: the meter's own per-call counter, so that the guard keeps no second
   * one on its hot path. Takes the meter's lock briefly.
   *
   * @return the count since the meter was created
   */
  public long totalCalls() {
    lock.lock();
    try {
      return closedCalls + calls.get();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns all cost counted so far ({@link #onCost}), like {@link #totalCalls()}; saturates at
   * {@code Long.MAX_VALUE}.
   *
   * @return nano-dollars since the meter was created
   */
  public long totalCostNanos() {
    lock.lock();
    try {
      return saturatedAdd(closedCost, cost.get());
    } finally {
      lock.unlock();
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  @Override
  public String toString() {
    return "BurnRateMeter[" + settings.bucket() + " buckets, " + settings.seasonality() + ", level="
        + (level.get() <= HUSHED ? "normal" : level.get() == SPIKE ? "spike" : "runaway") + "]";
  }

  private static long epochNanos(Instant t) {
    return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS_PER_SECOND), t.getNano());
  }
}
