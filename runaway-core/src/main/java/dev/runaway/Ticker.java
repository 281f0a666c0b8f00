package dev.runaway;

import java.time.Instant;

/**
 * The source of time for everything in Runaway Guard that depends on time: budget windows,
 * burn-rate buckets, breaker waits, alert refractory periods and polling schedules.
 *
 * <p>{@link #nanoTime()} is a monotonic clock for measuring elapsed time; {@link #instant()} is
 * the wall clock, used for calendar boundaries (midnight in a zone, hour of day) and for
 * timestamps shown to people. Production code uses {@link #system()}; tests drive a
 * {@link ManualTicker} and never sleep.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Ticker {

  /**
   * Returns a monotonic reading in nanoseconds, with an arbitrary origin.
   *
   * @return nanoseconds
   */
  long nanoTime();

  /**
   * Returns the current wall-clock time.
   *
   * @return the current instant
   */
  Instant instant();

  /**
   * Returns the ticker backed by {@link System#nanoTime()} and the system clock.
   *
   * @return the system ticker
   */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }
}

/** The system ticker; a singleton enum so that it serialises and compares by identity. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant instant() {
    return Instant.now();
  }

  @Override
  public String toString() {
    return "Ticker.system()";
  }
}
