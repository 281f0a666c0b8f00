package dev.runaway.stats;

import java.time.Duration;
import java.util.Objects;

/**
 * Immutable settings of burn-rate detection for one service.
 *
 * <p>Instances are immutable and thread-safe; build them with {@link #builder()}.
 */
public final class DetectionSettings {

  private static final DetectionSettings DEFAULTS = builder().build();

  private final double spikeMultiplier;
  private final double breakerMultiplier;
  private final Duration bucket;
  private final boolean breakerEnabled;

  private DetectionSettings(Builder b) {
    this.spikeMultiplier = b.spikeMultiplier;
    this.breakerMultiplier = b.breakerMultiplier;
    this.bucket = b.bucket;
    this.breakerEnabled = b.breakerEnabled;
  }

  /**
   * Returns the defaults: spike at 3x, breaker at 5x, one-minute buckets.
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
   * Whether runaways may trip the breaker (the config's {@code circuit_breaker.enabled}).
   *
   * @return whether breaker trips are enabled
   */
  public boolean breakerEnabled() {
    return breakerEnabled;
  }

  @Override
  public String toString() {
    return "DetectionSettings[spikeMultiplier=" + spikeMultiplier + ", breakerMultiplier=" + breakerMultiplier
        + ", bucket=" + bucket + ", breakerEnabled=" + breakerEnabled + "]";
  }

  /** Builds {@link DetectionSettings}; {@link #build()} may be called more than once. */
  public static final class Builder {
    private double spikeMultiplier = 3.0;
    private double breakerMultiplier = 5.0;
    private Duration bucket = Duration.ofMinutes(1);
    private boolean breakerEnabled = true;

    private Builder() {}

    /**
     * Sets the spike multiplier.
     *
     * @param multiplier greater than 1
     * @return this builder
     */
    public Builder spikeMultiplier(double multiplier) {
      if (!(multiplier > 1.0) || !Double.isFinite(multiplier)) {
        throw new IllegalArgumentException("spikeMultiplier must be a finite number above 1, got " + multiplier);
      }
      this.spikeMultiplier = multiplier;
      return this;
    }

    /**
     * Sets the breaker multiplier.
     *
     * @param multiplier greater than 1
     * @return this builder
     */
    public Builder breakerMultiplier(double multiplier) {
      if (!(multiplier > 1.0) || !Double.isFinite(multiplier)) {
        throw new IllegalArgumentException("breakerMultiplier must be a finite number above 1, got " + multiplier);
      }
      this.breakerMultiplier = multiplier;
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
     * Builds the settings.
     *
     * @return the settings
     */
    public DetectionSettings build() {
      return new DetectionSettings(this);
    }
  }
}
