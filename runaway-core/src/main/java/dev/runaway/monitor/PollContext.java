package dev.runaway.monitor;

import dev.runaway.Ticker;
import java.time.Duration;
import java.time.Instant;

/**
 * What the monitor tells a {@link Detector} about one poll.
 *
 * <p>Implementations are immutable.
 */
public interface PollContext {

  /**
   * Returns the start of the span to report: the end of the last successful poll, or one
   * {@code monitoring_interval} before {@link #now()} for the first poll.
   *
   * @return the start (inclusive)
   */
  Instant since();

  /**
   * Returns the end of the span to report.
   *
   * @return the end (exclusive)
   */
  Instant now();

  /**
   * Returns the monitor's {@code monitoring_interval}.
   *
   * @return the interval
   */
  Duration interval();

  /**
   * Returns the monitor's ticker, for detectors that pace or cache by time.
   *
   * @return the ticker
   */
  Ticker ticker();

  /**
   * Whether this is the detector's first poll since the monitor started.
   *
   * @return {@code true} on the first poll
   */
  boolean firstPoll();

  /**
   * Creates a context, for tests and custom schedulers.
   *
   * @param since the start
   * @param now the end
   * @param interval the polling interval
   * @param ticker the ticker
   * @param firstPoll whether it is the first poll
   * @return the context
   */
  static PollContext of(Instant since, Instant now, Duration interval, Ticker ticker, boolean firstPoll) {
    record Simple(Instant since, Instant now, Duration interval, Ticker ticker, boolean firstPoll)
        implements PollContext {}
    return new Simple(since, now, interval, ticker, firstPoll);
  }
}
