package dev.runaway.ledger.internal;

import java.time.ZoneId;
import java.util.Objects;

/**
 * What one budget window held when it was saved, dated so that another process can restore it:
 * for a sliding window, each entry is (wall-clock end of the bucket in epoch nanoseconds, amount);
 * for a calendar-day window, (epoch day in the zone, amount). Amounts are nano-dollars.
 *
 * <p>Immutable once built; the arrays are never exposed.
 */
final class WindowState {

  static final byte SLIDING = 0;
  static final byte CALENDAR_DAY = 1;

  private final byte kind;
  private final long windowNanos;
  private final ZoneId zone;
  private final long[] times;
  private final long[] amounts;

  private WindowState(byte kind, long windowNanos, ZoneId zone, long[] times, long[] amounts) {
    if (times.length != amounts.length) {
      throw new IllegalArgumentException("times and amounts differ in length");
    }
    this.kind = kind;
    this.windowNanos = windowNanos;
    this.zone = zone;
    this.times = times;
    this.amounts = amounts;
  }

  static WindowState sliding(long windowNanos, long[] bucketEnds, long[] amounts) {
    return new WindowState(SLIDING, windowNanos, null, bucketEnds, amounts);
  }

  static WindowState calendarDay(ZoneId zone, long[] epochDays, long[] amounts) {
    return new WindowState(CALENDAR_DAY, 0, Objects.requireNonNull(zone, "zone"), epochDays, amounts);
  }

  byte kind() {
    return kind;
  }

  long windowNanos() {
    return windowNanos;
  }

  ZoneId zone() {
    return zone;
  }

  int size() {
    return times.length;
  }

  long time(int i) {
    return times[i];
  }

  long amount(int i) {
    return amounts[i];
  }

  long total() {
    long t = 0;
    for (long a : amounts) {
      t = Window.saturatedSum(t, a);
    }
    return t;
  }

  /** Identifies the windows this state can be restored into: kind plus length or zone, not the limit. */
  String spec() {
    return kind == SLIDING ? "sliding:" + windowNanos : "day:" + zone.getId();
  }

  /**
   * Drops entries that have left the window by {@code wallNowNanos}, for state kept on behalf of
   * an account this process has not used yet.
   */
  WindowState pruned(long wallNowNanos) {
    int keep = 0;
    long[] t = new long[times.length];
    long[] a = new long[amounts.length];
    long today = kind == CALENDAR_DAY
        ? java.time.LocalDate.ofInstant(java.time.Instant.ofEpochSecond(Math.floorDiv(wallNowNanos, 1_000_000_000L),
            Math.floorMod(wallNowNanos, 1_000_000_000L)), zone).toEpochDay()
        : 0;
    for (int i = 0; i < times.length; i++) {
      boolean live = kind == SLIDING ? times[i] + windowNanos > wallNowNanos : times[i] >= today;
      if (live && amounts[i] != 0) {
        t[keep] = times[i];
        a[keep++] = amounts[i];
      }
    }
    if (keep == times.length) {
      return this;
    }
    return new WindowState(kind, windowNanos, zone, java.util.Arrays.copyOf(t, keep), java.util.Arrays.copyOf(a, keep));
  }

  /**
   * A sliding window's times moved by {@code deltaNanos} (from one wall-clock-minus-ticker offset
   * to another); a calendar day's, or a delta of 0, unchanged.
   */
  WindowState shifted(long deltaNanos) {
    if (kind != SLIDING || deltaNanos == 0) {
      return this;
    }
    long[] t = new long[times.length];
    for (int i = 0; i < t.length; i++) {
      t[i] = times[i] + deltaNanos;
    }
    return new WindowState(kind, windowNanos, zone, t, amounts.clone());
  }

  static WindowState of(byte kind, long windowNanos, ZoneId zone, long[] times, long[] amounts) {
    return new WindowState(kind, windowNanos, zone, times, amounts);
  }
}
