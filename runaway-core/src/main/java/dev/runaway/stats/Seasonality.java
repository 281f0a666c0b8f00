package dev.runaway.stats;

/**
 * Which recurring pattern a {@link BurnRateMeter}'s baseline learns, and so how much memory it
 * holds. Each slot holds a learned rate per channel (calls and cost) and a weight, as floats.
 */
public enum Seasonality {
  /** One level, no daily pattern: 1 slot (a few bytes). For short-lived or very numerous keys. */
  NONE(1, 0),
  /**
   * Hour-of-day: 24 slots, linearly interpolated between hour centres (about 300 bytes). The
   * lighter choice for per-key meters.
   */
  DAILY(24, 0),
  /**
   * Hour-of-day, then hour-of-week once a slot has seen three weeks of history (the "three
   * seasons" rule): 24 + 168 slots (about 2.3 KB). The default for services.
   */
  WEEKLY(24, 168);

  private final int dailySlots;
  private final int weeklySlots;

  Seasonality(int dailySlots, int weeklySlots) {
    this.dailySlots = dailySlots;
    this.weeklySlots = weeklySlots;
  }

  /**
   * Returns the number of hour-of-day slots (1 for {@link #NONE}).
   *
   * @return the slot count
   */
  public int dailySlots() {
    return dailySlots;
  }

  /**
   * Returns the number of hour-of-week slots (0 unless {@link #WEEKLY}).
   *
   * @return the slot count
   */
  public int weeklySlots() {
    return weeklySlots;
  }
}
