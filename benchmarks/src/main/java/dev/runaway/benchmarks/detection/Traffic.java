package dev.runaway.benchmarks.detection;

/**
 * The normal call rate of one synthetic service, per DETECTION.md section 5b:
 * {@code lambda(t) = lambda0 * (1 + 0.6 sin(2 pi (t/1440 - phase))) * K(day of week)}, with
 * {@code K} = 0.7 on weekends in the weekend variant, and an optional one-hour phase shift from a
 * given minute on (the clocks changing for daylight saving time, in the users' zone while the
 * meter counts hours in UTC), and optional day-to-day level factors. Minute 0 is Monday 00:00 UTC.
 *
 * <p>Immutable.
 */
final class Traffic {

  static final double AMPLITUDE = 0.6;
  static final double WEEKEND_FACTOR = 0.7;

  final double lambda0;
  final double phase;
  final boolean weekend;
  final double dstFrom;
  final double[] dayFactors;

  Traffic(double lambda0, double phase, boolean weekend, double dstFrom) {
    this(lambda0, phase, weekend, dstFrom, null);
  }

  /**
   * @param dayFactors a level factor per day (busy and quiet days), or {@code null} for none
   */
  Traffic(double lambda0, double phase, boolean weekend, double dstFrom, double[] dayFactors) {
    this.lambda0 = lambda0;
    this.phase = phase;
    this.weekend = weekend;
    this.dstFrom = dstFrom;
    this.dayFactors = dayFactors;
  }

  Traffic withDstFrom(double minute) {
    return new Traffic(lambda0, phase, weekend, minute, dayFactors);
  }

  /** The normal rate in calls per minute at {@code minute} (fractional minutes allowed). */
  double rate(double minute) {
    double local = minute >= dstFrom ? minute + 60 : minute;
    double diurnal = 1 + AMPLITUDE * Math.sin(2 * Math.PI * (local / 1440 - phase));
    double k = 1;
    if (weekend) {
      long day = (long) Math.floor(local / 1440);
      int dow = (int) Math.floorMod(day, 7L);
      k = dow >= 5 ? WEEKEND_FACTOR : 1;
    }
    if (dayFactors != null) {
      int day = (int) Math.min(dayFactors.length - 1, Math.max(0, Math.floor(minute / 1440)));
      k *= dayFactors[day];
    }
    return lambda0 * diurnal * k;
  }
}
