package dev.runaway;

import java.time.Duration;

/** Formats durations for people: {@code 42s}, {@code 3m 20s}, {@code 1h 05m}. */
final class Durations {

  private Durations() {}

  static String human(Duration d) {
    long seconds = Math.max(0, (d.toNanos() + 999_999_999L) / 1_000_000_000L);
    if (seconds < 60) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 60) {
      return minutes + "m " + (seconds % 60) + "s";
    }
    long hours = minutes / 60;
    return String.format("%dh %02dm", hours, minutes % 60);
  }
}
