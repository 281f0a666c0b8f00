package dev.runaway;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that only moves when told to, for tests of code that uses Runaway Guard.
 *
 * <p>{@link #advance(Duration)} moves both the monotonic and the wall clock forward.
 * {@link #setInstant(Instant)} sets the wall clock alone (like an NTP correction or a daylight
 * saving change), leaving the monotonic reading where it is.
 *
 * <p>Thread-safe: readers see every advance made before they read.
 */
public final class ManualTicker implements Ticker {

  private final AtomicLong nanos;
  /** Wall clock at nanoTime 0, in nanoseconds since the epoch. */
  private final AtomicLong wallOffsetNanos;

  private ManualTicker(Instant start) {
    this.nanos = new AtomicLong();
    this.wallOffsetNanos = new AtomicLong(toEpochNanos(start));
  }

  /**
   * Returns a ticker whose wall clock starts at 2026-01-05T00:00:00Z, a Monday at midnight UTC.
   *
   * @return a new ticker
   */
  public static ManualTicker create() {
    return new ManualTicker(Instant.parse("2026-01-05T00:00:00Z"));
  }

  /**
   * Returns a ticker whose wall clock starts at {@code start}.
   *
   * @param start the initial wall-clock time
   * @return a new ticker
   */
  public static ManualTicker startingAt(Instant start) {
    return new ManualTicker(Objects.requireNonNull(start, "start"));
  }

  /**
   * Moves time forward.
   *
   * @param duration how far; must not be negative
   * @return this ticker
   * @throws IllegalArgumentException if {@code duration} is negative
   */
  public ManualTicker advance(Duration duration) {
    Objects.requireNonNull(duration, "duration");
    if (duration.isNegative()) {
      throw new IllegalArgumentException("duration must not be negative, got " + duration);
    }
    nanos.addAndGet(duration.toNanos());
    return this;
  }

  /**
   * Moves time forward by {@code nanos} nanoseconds.
   *
   * @param nanosToAdd how far; must not be negative
   * @return this ticker
   */
  public ManualTicker advanceNanos(long nanosToAdd) {
    if (nanosToAdd < 0) {
      throw new IllegalArgumentException("nanos must not be negative, got " + nanosToAdd);
    }
    nanos.addAndGet(nanosToAdd);
    return this;
  }

  /**
   * Sets the wall clock, leaving the monotonic clock unchanged.
   *
   * @param instant the new wall-clock time
   * @return this ticker
   */
  public ManualTicker setInstant(Instant instant) {
    wallOffsetNanos.set(toEpochNanos(Objects.requireNonNull(instant, "instant")) - nanos.get());
    return this;
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  @Override
  public Instant instant() {
    long epochNanos = wallOffsetNanos.get() + nanos.get();
    return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
  }

  @Override
  public String toString() {
    return "ManualTicker[" + instant() + "]";
  }

  private static long toEpochNanos(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }
}
