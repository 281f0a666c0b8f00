package dev.runaway.benchmarks.detection;

/**
 * Merges alarms into episodes the way DETECTION.md counts false alarms: consecutive alarms form
 * one episode, which ends after 30 minutes without an alarm. Used for the reference detectors
 * (our meter reports its own episodes).
 *
 * <p>Not thread-safe.
 */
final class Episodes {

  static final double QUIET_MINUTES = 30;

  private double last = Double.NEGATIVE_INFINITY;
  private int count;

  /** Records an alarm at {@code minute}; counts a new episode if it starts at or after {@code countFrom}. */
  void alarm(double minute, double countFrom) {
    if (minute - last >= QUIET_MINUTES && minute >= countFrom) {
      count++;
    }
    last = minute;
  }

  int count() {
    return count;
  }
}
