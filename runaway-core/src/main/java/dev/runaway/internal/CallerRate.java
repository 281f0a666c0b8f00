package dev.runaway.internal;

import dev.runaway.breaker.internal.CallerGate;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts a caller's attempts (refused calls too) while a spend trip is open, and tells the
 * breaker when the attempt rate has stayed under the threshold for the confirmation period.
 *
 * <p>Attempts are counted in one-minute buckets; a bucket whose count passes the threshold marks
 * the caller as still looping at that moment. The count is approximate under races at a bucket's
 * edge, which can only move the close by a bucket. Thread-safe and lock-free; idle (one volatile
 * read per call) while no trip is open.
 */
final class CallerRate implements CallerGate {

  private static final long MINUTE = 60_000_000_000L;

  private final long confirmNanos;
  private final AtomicLong count = new AtomicLong();
  private final AtomicLong bucketStart = new AtomicLong();
  private volatile long lastHot;
  private volatile double thresholdPerMinute = Double.MAX_VALUE;
  /** Whether a trip is open: only then are attempts counted. */
  volatile boolean active;

  CallerRate(long confirmNanos) {
    this.confirmNanos = confirmNanos;
  }

  /** Starts judging at a trip: the trip itself is the last moment the caller was seen looping. */
  void start(long now, double threshold) {
    thresholdPerMinute = threshold;
    bucketStart.set(now);
    count.set(0);
    lastHot = now;
    active = true;
  }

  /**
   * Resumes judging a trip restored from a state file: the caller has been quiet for
   * {@code quietNanos} (0 when it was looping at the save), the confirmation goes on from there.
   */
  void resume(long now, double threshold, long quietNanos) {
    start(now, threshold);
    lastHot = now - Math.max(0, Math.min(quietNanos, confirmNanos));
  }

  /** How long the caller has stayed under the threshold, for a state file. */
  long quietNanos(long now) {
    return Math.max(0, now - lastHot);
  }

  /** Stops counting once the breaker has closed. */
  void stop() {
    active = false;
  }

  /** Updates the threshold (the baseline moves with the hour of day). */
  void threshold(double perMinute) {
    thresholdPerMinute = perMinute;
  }

  double threshold() {
    return thresholdPerMinute;
  }

  /** Counts one attempt. */
  void attempt(long now) {
    roll(now);
    long c = count.incrementAndGet();
    if (c > thresholdPerMinute) {
      lastHot = now;
    }
  }

  private void roll(long now) {
    long start = bucketStart.get();
    if (now - start >= MINUTE && bucketStart.compareAndSet(start, now)) {
      count.set(0);
    }
  }

  @Override
  public boolean quiet(long now) {
    roll(now);
    return now - lastHot >= confirmNanos && count.get() <= thresholdPerMinute;
  }

  @Override
  public String describe(long now) {
    return "attempts " + count.get() + " in the current minute, under the " + GuardAlerts.fmt(thresholdPerMinute)
        + "/min threshold for " + Math.max(0, (now - lastHot) / MINUTE) + " min";
  }
}
