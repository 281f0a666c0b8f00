package dev.runaway.internal;

import java.time.Duration;

/**
 * Formats durations for people, one way everywhere (exception messages, alerts, log lines):
 * {@code 45s}, {@code 2m}, {@code 3m 20s}, {@code 1h 30m}, {@code 24h}, {@code 3d 4h}. A fraction of
 * a second rounds up, so a wait that has not quite passed never reads {@code 0s}; the second unit is
 * left out when it is zero; days from 48 hours on.
 */
public final class Durations {

  private Durations() {}

  /**
   * Formats a duration.
   *
   * @param d the duration; a negative one reads {@code 0s}
   * @return like {@code 3m 20s}
   */
  public static String human(Duration d) {
    long seconds = d.isNegative() ? 0 : d.getSeconds() + (d.getNano() > 0 && d.getSeconds() < Long.MAX_VALUE ? 1 : 0);
    return seconds(seconds);
  }

  /**
   * Formats a duration given in nanoseconds.
   *
   * @param nanos the duration; a negative one reads {@code 0s}
   * @return like {@code 3m 20s}
   */
  public static String human(long nanos) {
    long seconds = nanos <= 0 ? 0 : (nanos - 1) / 1_000_000_000L + 1;
    return seconds(seconds);
  }

  private static String seconds(long s) {
    if (s < 60) {
      return s + "s";
    }
    if (s < 3600) {
      return two(s / 60, "m", s % 60, "s");
    }
    if (s < 2 * 86_400) {
      return two(s / 3600, "h", (s % 3600) / 60, "m");
    }
    return two(s / 86_400, "d", (s % 86_400) / 3600, "h");
  }

  private static String two(long big, String bigUnit, long small, String smallUnit) {
    return small == 0 ? big + bigUnit : big + bigUnit + " " + small + smallUnit;
  }
}
