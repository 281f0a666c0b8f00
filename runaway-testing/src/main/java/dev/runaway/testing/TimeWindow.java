package dev.runaway.testing;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A span of time a request asked a service about.
 *
 * @param start the start (inclusive)
 * @param end the end (exclusive)
 */
public record TimeWindow(Instant start, Instant end) {

  /**
   * Returns the window at whole-second precision, as most APIs take Unix seconds.
   *
   * @param start the start
   * @param end the end
   * @return the window
   */
  public static TimeWindow seconds(Instant start, Instant end) {
    return new TimeWindow(start.truncatedTo(ChronoUnit.SECONDS), end.truncatedTo(ChronoUnit.SECONDS));
  }

  /**
   * Returns the window between two Unix second values.
   *
   * @param start the start
   * @param end the end
   * @return the window
   */
  public static TimeWindow epochSeconds(long start, long end) {
    return new TimeWindow(Instant.ofEpochSecond(start), Instant.ofEpochSecond(end));
  }
}
