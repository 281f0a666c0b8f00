package dev.runaway.providers.http.internal;

import dev.runaway.Ticker;
import java.time.Duration;
import java.util.Optional;

/**
 * Decides, on a {@link Ticker}, whether a client may send now: not before a rate-limit reset a
 * service announced, and not above an optional token-bucket limit. Never sleeps.
 *
 * <p>Thread-safe.
 */
public final class RequestPacer {

  private final Ticker ticker;
  private final int permits;
  private final long periodNanos;
  private double tokens;
  private long lastRefill;
  private long blockedUntil;
  private boolean blocked;

  /**
   * Creates a pacer.
   *
   * @param ticker the time source
   * @param permits requests per period, or 0 for no limit
   * @param per the period, or {@code null} for no limit
   */
  public RequestPacer(Ticker ticker, int permits, Duration per) {
    this.ticker = ticker;
    this.permits = per == null ? 0 : permits;
    this.periodNanos = per == null ? 0 : per.toNanos();
    this.tokens = this.permits;
    this.lastRefill = ticker.nanoTime();
  }

  /**
   * Takes a permit if one is free.
   *
   * @return empty if the request may go now (a permit was taken), else how long to wait
   */
  public synchronized Optional<Duration> waitBeforeNextRequest() {
    long now = ticker.nanoTime();
    if (blocked) {
      if (now - blockedUntil < 0) {
        return Optional.of(Duration.ofNanos(blockedUntil - now));
      }
      blocked = false;
    }
    if (permits == 0) {
      return Optional.empty();
    }
    double perToken = (double) periodNanos / permits;
    // A ticker that starts below the one the pacer was created with (the monitor's ticker
    // replacing the system one on the first poll) must not count as negative elapsed time.
    tokens = Math.min(permits, tokens + Math.max(0, now - lastRefill) / perToken);
    lastRefill = now;
    if (tokens >= 1) {
      tokens -= 1;
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos((long) Math.ceil((1 - tokens) * perToken)));
  }

  /**
   * Refuses requests for a while, as a service asked.
   *
   * @param wait how long
   */
  public synchronized void blockFor(Duration wait) {
    long until = ticker.nanoTime() + wait.toNanos();
    if (!blocked || until - blockedUntil > 0) {
      blockedUntil = until;
      blocked = true;
    }
  }
}
