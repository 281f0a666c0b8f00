package dev.runaway;

import dev.runaway.internal.Checks;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.stats.DetectionSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link RunawayGuard} protects one service: its budgets, per-key budgets, detection
 * multipliers, cost extractor and breaker settings. Built inside
 * {@code RunawayGuard.builder().service("openai", s -> s.budget(...)...)}.
 *
 * <h2>What a service gets by default</h2>
 * Most users set a budget and nothing else; these protections then apply as they are:
 * <ul>
 *   <li><b>Budgets</b>: none unless given; a call that would pass one is refused before it starts.
 *   <li><b>Burn-rate breaker</b>: after a 24 h warm-up ({@link DetectionSettings#warmUp()}), spend
 *       or calls above 5x the learned baseline ({@link Builder#breakerMultiplier}) open the
 *       breaker; above 3x alert ({@link Builder#spikeMultiplier}).
 *   <li><b>A breaker that judges the caller</b>: a spend trip closes only once the caller's
 *       attempt rate (refused calls too) has stayed under the breaker threshold for 10 minutes;
 *       meanwhile one trial call per 20 s goes through, and a re-trip doubles the next wait
 *       (60 s, up to 30 min). See {@link dev.runaway.breaker.CircuitBreakerConfig}.
 *   <li><b>Protection from the first call</b>: before warm-up ends, the breaker opens when, at the
 *       rate of the last minute, the tightest budget would be gone within
 *       {@link Builder#budgetHorizon} (default 10 minutes; at least 10 calls in that minute).
 *       Optional absolute caps ({@link Builder#callRateCap}, {@link Builder#costRateCap}) apply
 *       from the first call too; none by default.
 *   <li><b>No unbounded burst without an estimate</b>: with a cost extractor and no
 *       {@link Builder#estimate}, until the first real cost is known at most
 *       {@link Builder#maxCallsWithUnknownCost} call (default 1) runs at a time for the service;
 *       others wait up to {@link Builder#unknownCostWait} (default 30 s). Afterwards each call
 *       reserves a running estimate that follows recent real costs from above (about their
 *       90th percentile), not their mean. A result the extractor can neither price nor bound
 *       ({@link CostExtractor#upperBoundOf}) ends the turns, since no price would ever come:
 *       calls then run side by side, charged $0, and the guard logs one WARN naming the fix. A
 *       result whose cost comes later ({@link CostExtractor#settleLater}: a stream) holds its
 *       upper bound until its cost is committed, and the turn passes on at once; with no room in
 *       the budget for the bound, it keeps the turn until then.
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ServicePolicy {

  private final List<Budget> budgets;
  private final List<Budget> perKeyBudgets;
  private final DetectionSettings detection;
  private final boolean perKeyDetection;
  private final CostExtractor costExtractor;
  private final Cost initialEstimate;
  private final CircuitBreakerConfig breaker;
  private final long maxKeys;
  private final Duration keyIdleExpiry;
  private final Duration budgetHorizon;
  private final int maxCallsWithUnknownCost;
  private final Duration unknownCostWait;

  private ServicePolicy(Builder b) {
    this.budgetHorizon = b.budgetHorizon;
    this.maxCallsWithUnknownCost = b.maxCallsWithUnknownCost;
    this.unknownCostWait = b.unknownCostWait;
    this.budgets = List.copyOf(b.budgets);
    this.perKeyBudgets = List.copyOf(b.perKeyBudgets);
    this.detection = b.detection.build();
    this.perKeyDetection = b.perKeyDetection;
    this.costExtractor = b.costExtractor;
    this.initialEstimate = b.initialEstimate;
    this.breaker = b.breaker;
    this.maxKeys = b.maxKeys;
    Duration longest = Duration.ZERO;
    for (Budget budget : perKeyBudgets) {
      Duration held = budget.window().plus(budget.window().dividedBy(budget.buckets()));
      longest = held.compareTo(longest) > 0 ? held : longest;
    }
    Duration expiry = b.keyIdleExpiry != null ? b.keyIdleExpiry : longest.isZero() ? Duration.ofHours(1) : longest;
    this.keyIdleExpiry = expiry;
  }

  /**
   * Returns a builder starting from no budgets and default detection.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the service-wide budgets.
   *
   * @return the budgets
   */
  public List<Budget> budgets() {
    return budgets;
  }

  /**
   * Returns the budgets each key gets for itself.
   *
   * @return the per-key budgets
   */
  public List<Budget> perKeyBudgets() {
    return perKeyBudgets;
  }

  /**
   * Returns the burn-rate detection settings.
   *
   * @return the settings
   */
  public DetectionSettings detection() {
    return detection;
  }

  /**
   * Whether each key also gets its own burn-rate meter (one tenant's runaway then blocks only
   * that tenant).
   *
   * @return whether per-key detection is on
   */
  public boolean perKeyDetection() {
    return perKeyDetection;
  }

  /**
   * Returns the extractor of real costs from results, or {@code null} when each call is charged
   * its estimate.
   *
   * @return the extractor or {@code null}
   */
  public CostExtractor costExtractor() {
    return costExtractor;
  }

  /**
   * Returns the estimate reserved for calls without an explicit one until the guard has learned
   * the service's cost per call from the extractor.
   *
   * @return the initial estimate
   */
  public Cost initialEstimate() {
    return initialEstimate;
  }

  /**
   * Returns the breaker's configuration.
   *
   * @return the configuration
   */
  public CircuitBreakerConfig breaker() {
    return breaker;
  }

  /**
   * Returns the most keys whose state is kept at once; the least recently used go first.
   *
   * @return the cap
   */
  public long maxKeys() {
    return maxKeys;
  }

  /**
   * Returns how long an idle key's state is kept: by default the longest per-key window, so a
   * key is forgotten only once all its spend has left its windows.
   *
   * @return the expiry
   */
  public Duration keyIdleExpiry() {
    return keyIdleExpiry;
  }

  /**
   * Returns the horizon of the baseline-free rule that protects a service before its warm-up
   * ends: the breaker opens ({@link dev.runaway.breaker.TripReason#BUDGET}) when, at the spend rate
   * of the last minute, the tightest service budget would be gone within this time. Default 10
   * minutes; {@link Duration#ZERO} turns the rule off.
   *
   * @return the horizon
   */
  public Duration budgetHorizon() {
    return budgetHorizon;
  }

  /**
   * Returns how many calls may run at once while the service's cost per call is still unknown
   * (a cost extractor, no explicit estimate and no real cost committed yet). Default 1; 0 means
   * no limit.
   *
   * @return the limit
   */
  public int maxCallsWithUnknownCost() {
    return maxCallsWithUnknownCost;
  }

  /**
   * Returns how long a call waits for its turn while the cost per call is unknown, before it is
   * refused with a {@link RunawayException}. Default 30 seconds.
   *
   * @return the wait
   */
  public Duration unknownCostWait() {
    return unknownCostWait;
  }

  @Override
  public String toString() {
    return "ServicePolicy[budgets=" + budgets + ", perKeyBudgets=" + perKeyBudgets + ", detection=" + detection
        + ", perKeyDetection=" + perKeyDetection + ", initialEstimate=" + initialEstimate + ", breaker=" + breaker
        + ", maxKeys=" + maxKeys + ", keyIdleExpiry=" + keyIdleExpiry + ", budgetHorizon=" + budgetHorizon
        + ", maxCallsWithUnknownCost=" + maxCallsWithUnknownCost + ", unknownCostWait=" + unknownCostWait + "]";
  }

  /** Builds a {@link ServicePolicy}; {@link #build()} copies the state, so a builder can be reused. */
  public static final class Builder {
    private final List<Budget> budgets = new ArrayList<>();
    private final List<Budget> perKeyBudgets = new ArrayList<>();
    private final DetectionSettings.Builder detection = DetectionSettings.builder();
    private boolean perKeyDetection;
    private CostExtractor costExtractor;
    private Cost initialEstimate = Cost.ZERO;
    private CircuitBreakerConfig breaker = CircuitBreakerConfig.defaults();
    private long maxKeys = 100_000;
    private Duration keyIdleExpiry;
    private Duration budgetHorizon = Duration.ofMinutes(10);
    private int maxCallsWithUnknownCost = 1;
    private Duration unknownCostWait = Duration.ofSeconds(30);

    private Builder() {}

    /**
     * Sets an absolute call-rate cap: above it the breaker opens
     * ({@link dev.runaway.breaker.TripReason#CALL_RATE}) whatever the baseline, from the first call
     * on (config: {@code cost_thresholds.<service>.max_calls_per_minute}). None by default.
     *
     * @param callsPerMinute above zero, or 0 for none
     * @return this builder
     */
    public Builder callRateCap(double callsPerMinute) {
      detection.callRateCap(callsPerMinute);
      return this;
    }

    /**
     * Sets an absolute spend-rate cap: above it the breaker opens
     * ({@link dev.runaway.breaker.TripReason#BURN_RATE}) whatever the baseline, from the first call
     * on (config: {@code cost_thresholds.<service>.max_cost_per_hour}). None by default.
     *
     * @param perHour dollars per hour above zero, or {@code null} for none
     * @return this builder
     */
    public Builder costRateCap(Cost perHour) {
      detection.costRateCap(perHour);
      return this;
    }

    /**
     * Sets the horizon of the baseline-free rule that protects the service before warm-up: the
     * breaker opens when, at the spend rate of the last minute (with at least 10 calls in it), the
     * tightest service budget would be gone within this time (config:
     * {@code circuit_breaker.budget_horizon_minutes}). Default 10 minutes.
     *
     * @param horizon positive, or {@link Duration#ZERO} to turn the rule off
     * @return this builder
     */
    public Builder budgetHorizon(Duration horizon) {
      Objects.requireNonNull(horizon, "horizon");
      if (horizon.isNegative() || horizon.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("budgetHorizon must be from 0 (off) to 1 day, got " + horizon);
      }
      this.budgetHorizon = horizon;
      return this;
    }

    /**
     * Sets how many calls may run at once while the cost per call is unknown (a cost extractor,
     * no explicit {@link #estimate(Cost)}, no real cost committed yet). Default 1, which bounds the
     * first burst of a fresh guard by one call's cost; 0 turns the limit off. The limit ends for
     * good at a result the extractor can neither price nor bound (calls would otherwise wait for a
     * price that never comes).
     *
     * @param calls 0 or more
     * @return this builder
     */
    public Builder maxCallsWithUnknownCost(int calls) {
      if (calls < 0) {
        throw new IllegalArgumentException("maxCallsWithUnknownCost must be 0 (no limit) or more, got " + calls);
      }
      this.maxCallsWithUnknownCost = calls;
      return this;
    }

    /**
     * Sets how long a call waits for its turn while the cost per call is unknown, before it is
     * refused. Default 30 seconds.
     *
     * @param wait positive
     * @return this builder
     */
    public Builder unknownCostWait(Duration wait) {
      Objects.requireNonNull(wait, "wait");
      Checks.positive(wait, "unknownCostWait");
      this.unknownCostWait = wait;
      return this;
    }

    /**
     * Adds a service-wide budget.
     *
     * @param budget the budget
     * @return this builder
     */
    public Builder budget(Budget budget) {
      budgets.add(Objects.requireNonNull(budget, "budget"));
      return this;
    }

    /**
     * Adds a budget that every key gets for itself ({@link ServiceGuard#forKey(String)}).
     * Per-key windows use 24 buckets unless the budget says otherwise, to keep each key's state
     * small. A keyed call is checked against its key's budgets before the service's: a key at its
     * own cap is refused by its key ({@link BudgetExceededException#key()} names it) without
     * touching the service's budgets, so a tenant looping at its cap never takes, even for a
     * moment, room another tenant's call needed.
     *
     * @param budget the budget
     * @return this builder
     */
    public Builder perKeyBudget(Budget budget) {
      Objects.requireNonNull(budget, "budget");
      if (!budget.isCalendarDay() && budget.buckets() == Budget.DEFAULT_BUCKETS) {
        budget = budget.withBuckets((int) Math.min(24, budget.window().toSeconds()));
      }
      perKeyBudgets.add(budget);
      return this;
    }

    /**
     * Sets the multiple of the baseline above which a usage spike is alerted (config:
     * {@code usage_spike_multiplier}).
     *
     * @param multiplier above 1
     * @return this builder
     */
    public Builder spikeMultiplier(double multiplier) {
      detection.spikeMultiplier(multiplier);
      return this;
    }

    /**
     * Sets the multiple of the baseline above which the breaker opens (config:
     * {@code circuit_breaker.threshold_multiplier}).
     *
     * @param multiplier above 1
     * @return this builder
     */
    public Builder breakerMultiplier(double multiplier) {
      detection.breakerMultiplier(multiplier);
      return this;
    }

    /**
     * Sets whether a runaway trips the breaker, or only alerts (config:
     * {@code circuit_breaker.enabled}).
     *
     * @param enabled {@code false} to only alert
     * @return this builder
     */
    public Builder breakerEnabled(boolean enabled) {
      detection.breakerEnabled(enabled);
      return this;
    }

    /**
     * Sets how long a rate at or above the breaker multiple must be held to open the breaker
     * whatever the learned noise says (default
     * {@value DetectionSettings#DEFAULT_RUNAWAY_HOLD_MINUTES} minutes; {@link Duration#ZERO} turns
     * this backstop off). See {@link DetectionSettings#runawayHold()}.
     *
     * @param hold zero, or from 1 s to 24 hours (judged in whole meter buckets, at least one)
     * @return this builder
     */
    public Builder runawayHold(Duration hold) {
      detection.runawayHold(hold);
      return this;
    }

    /**
     * Sets whether bursts that recur at the same time of day (a daily batch job, an hourly cron)
     * are learned, so that they stop alerting and opening the breaker after they came twice
     * (default {@code true}). See {@link DetectionSettings#recurringBursts()}.
     *
     * @param learn whether to learn recurring bursts
     * @return this builder
     */
    public Builder recurringBursts(boolean learn) {
      detection.recurringBursts(learn);
      return this;
    }

    /**
     * Sets whether a spike or sustained rise no higher than the service's usual peaks of the last
     * week is alerted (default {@code false}: such a rise is not alerted; the breaker and the
     * budget are not affected). See {@link DetectionSettings#alertOnUsualPeaks()}.
     *
     * @param alert {@code true} to alert on every flagged rise
     * @return this builder
     */
    public Builder alertOnUsualPeaks(boolean alert) {
      detection.alertOnUsualPeaks(alert);
      return this;
    }

    /**
     * Sets the width of the burn-rate meter's buckets (default one minute).
     *
     * @param bucket from 1s to 1h
     * @return this builder
     */
    public Builder meterBucket(Duration bucket) {
      detection.bucket(bucket);
      return this;
    }

    /**
     * Gives each key its own burn-rate meter and breaker.
     *
     * @param enabled whether to
     * @return this builder
     */
    public Builder perKeyDetection(boolean enabled) {
      this.perKeyDetection = enabled;
      return this;
    }

    /**
     * Sets how the real cost is read from a call's result.
     *
     * @param extractor the extractor
     * @return this builder
     */
    public Builder costExtractor(CostExtractor extractor) {
      this.costExtractor = Objects.requireNonNull(extractor, "extractor");
      return this;
    }

    /**
     * Sets the estimate reserved for calls without an explicit one, until real costs are known.
     *
     * @param estimate zero or more
     * @return this builder
     */
    public Builder estimate(Cost estimate) {
      Objects.requireNonNull(estimate, "estimate");
      if (estimate.isNegative()) {
        throw new IllegalArgumentException("estimate must not be negative, got " + estimate);
      }
      this.initialEstimate = estimate;
      return this;
    }

    /**
     * Sets the breaker's configuration.
     *
     * @param config the configuration
     * @return this builder
     */
    public Builder breaker(CircuitBreakerConfig config) {
      this.breaker = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Sets the most keys whose state is kept at once (default 100,000). Past it the guard drops
     * the least useful key's meter and breaker; its budget spend is not refunded: the ledger keeps
     * a key's spend until it leaves the window, and a key seen again gets it back.
     *
     * @param max at least 1
     * @return this builder
     */
    public Builder maxKeys(long max) {
      Checks.atLeast(max, 1, "maxKeys");
      this.maxKeys = max;
      return this;
    }

    /**
     * Sets how long an idle key's state is kept.
     *
     * @param expiry positive
     * @return this builder
     */
    public Builder keyIdleExpiry(Duration expiry) {
      Objects.requireNonNull(expiry, "expiry");
      Checks.positive(expiry, "keyIdleExpiry");
      this.keyIdleExpiry = expiry;
      return this;
    }

    /**
     * Builds the policy.
     *
     * @return the policy
     * @throws IllegalArgumentException if the breaker multiplier is below the spike multiplier
     */
    public ServicePolicy build() {
      // DetectionSettings.build() owns the multiplier rule.
      return new ServicePolicy(this);
    }
  }
}
