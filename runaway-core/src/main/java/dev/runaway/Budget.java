package dev.runaway;

import dev.runaway.internal.Durations;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * A spending limit over a window of time: a sliding window ({@link #hourly}, {@link #daily},
 * {@link #of}) or a calendar day in a time zone ({@link #calendarDay}).
 *
 * <p>A sliding window is kept as a ring of buckets (60 by default: one minute each for an hour,
 * 24 minutes each for a day). Spend leaves the window when its whole bucket has passed out of it,
 * so a sliding budget may hold spend up to one bucket longer than the window, never shorter: the
 * error is always on the side of refusing. A calendar-day budget resets at midnight in its zone.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class Budget {

  /** Buckets in a sliding window unless {@link #withBuckets(int)} says otherwise. */
  public static final int DEFAULT_BUCKETS = 60;

  /**
   * The largest limit a budget accepts: one billion dollars per window. Ledgers count spend up to
   * about $4.6 billion per window and saturate there (they never wrap), so every limit stays far
   * below the point where counting stops.
   */
  public static final Cost MAX_LIMIT = Cost.usd("1000000000");

  /**
   * The longest sliding window: 366 days. Windows are counted in nanoseconds of the guard's
   * ticker; a longer one is almost certainly a unit mistake (and past about 292 years it would
   * not fit at all).
   */
  public static final Duration MAX_WINDOW = Duration.ofDays(366);

  private final Cost limit;
  private final Duration window;
  private final ZoneId zone;
  private final int buckets;

  private Budget(Cost limit, Duration window, ZoneId zone, int buckets) {
    this.limit = limit;
    this.window = window;
    this.zone = zone;
    this.buckets = buckets;
  }

  /**
   * A limit over a sliding hour, in one-minute buckets.
   *
   * @param limit the most that may be spent in any hour; must be positive
   * @return the budget
   */
  public static Budget hourly(Cost limit) {
    return of(limit, Duration.ofHours(1));
  }

  /**
   * A limit over a sliding 24 hours, in 24-minute buckets.
   *
   * @param limit the most that may be spent in any 24 hours; must be positive
   * @return the budget
   */
  public static Budget daily(Cost limit) {
    return of(limit, Duration.ofDays(1));
  }

  /**
   * A limit over a sliding window of any length from one second.
   *
   * @param limit the most that may be spent in any window; must be positive
   * @param window the window; from one second to {@link #MAX_WINDOW} (366 days)
   * @return the budget
   * @throws IllegalArgumentException if {@code limit} is not positive or above
   *     {@link #MAX_LIMIT}, or {@code window} is shorter than one second or longer than 366 days
   */
  public static Budget of(Cost limit, Duration window) {
    requirePositive(limit);
    Objects.requireNonNull(window, "window");
    if (window.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("window must be at least 1s, got " + window);
    }
    if (window.compareTo(MAX_WINDOW) > 0) {
      throw new IllegalArgumentException("window must be at most " + MAX_WINDOW.toDays() + " days (MAX_WINDOW), got "
          + window + " (about " + window.toDays() + " days)");
    }
    int buckets = (int) Math.min(DEFAULT_BUCKETS, window.toSeconds());
    return new Budget(limit, window, null, buckets);
  }

  /**
   * A limit per calendar day in {@code zone}, reset to zero at midnight there.
   *
   * @param limit the most that may be spent in one calendar day; positive, at most {@link #MAX_LIMIT}
   * @param zone the zone whose midnight resets the budget
   * @return the budget
   */
  public static Budget calendarDay(Cost limit, ZoneId zone) {
    requirePositive(limit);
    return new Budget(limit, Duration.ofDays(1), Objects.requireNonNull(zone, "zone"), 1);
  }

  private static void requirePositive(Cost limit) {
    Objects.requireNonNull(limit, "limit");
    if (limit.nanos() <= 0) {
      throw new IllegalArgumentException("limit must be positive, got " + limit);
    }
    if (limit.compareTo(MAX_LIMIT) > 0) {
      throw new IllegalArgumentException("limit must be at most " + MAX_LIMIT + " (MAX_LIMIT), got " + limit);
    }
  }

  /**
   * Returns a copy of this sliding budget that keeps its window in {@code buckets} buckets: more
   * buckets roll spend off more smoothly, fewer use less memory per key.
   *
   * @param buckets from 1 to 3,600; the window must be divisible into whole milliseconds
   * @return the budget
   * @throws IllegalStateException if this is a calendar-day budget
   */
  public Budget withBuckets(int buckets) {
    if (zone != null) {
      throw new IllegalStateException("a calendar-day budget has no buckets to set");
    }
    if (buckets < 1 || buckets > 3600) {
      throw new IllegalArgumentException("buckets must be from 1 to 3600, got " + buckets);
    }
    return new Budget(limit, window, null, buckets);
  }

  /**
   * Returns the limit.
   *
   * @return the most that may be spent per window
   */
  public Cost limit() {
    return limit;
  }

  /**
   * Returns the window: its length for a sliding budget, one day for a calendar-day budget.
   *
   * @return the window
   */
  public Duration window() {
    return window;
  }

  /**
   * Returns the zone of a calendar-day budget.
   *
   * @return the zone, or empty for a sliding budget
   */
  public Optional<ZoneId> zone() {
    return Optional.ofNullable(zone);
  }

  /**
   * Whether this budget resets at midnight rather than sliding.
   *
   * @return {@code true} for a calendar-day budget
   */
  public boolean isCalendarDay() {
    return zone != null;
  }

  /**
   * Returns the number of buckets of a sliding window (1 for a calendar day).
   *
   * @return the bucket count
   */
  public int buckets() {
    return buckets;
  }

  /**
   * Describes the budget for people: {@code "hourly budget ($10.00 per sliding 1h)"}.
   *
   * @return a description
   */
  public String describe() {
    if (zone != null) {
      return "calendar-day budget (" + limit + " per day in " + zone + ")";
    }
    String name;
    if (window.equals(Duration.ofHours(1))) {
      name = "hourly budget";
    } else if (window.equals(Duration.ofDays(1))) {
      name = "daily budget";
    } else {
      name = "budget";
    }
    return name + " (" + limit + " per sliding " + Durations.human(window) + ")";
  }

  /**
   * Returns a short machine-friendly name of the budget's window, used as the {@code budget}
   * field of a snapshot's JSON form and as a metric tag: {@code hourly} (sliding 1 h),
   * {@code daily} (sliding 24 h), {@code calendar_day}, else the window as an ISO-8601 duration
   * such as {@code PT30M}.
   *
   * @return the label
   */
  public String label() {
    if (zone != null) {
      return "calendar_day";
    }
    if (window.equals(Duration.ofHours(1))) {
      return "hourly";
    }
    return window.equals(Duration.ofDays(1)) ? "daily" : window.toString();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Budget)) {
      return false;
    }
    Budget b = (Budget) o;
    return limit.equals(b.limit) && window.equals(b.window) && Objects.equals(zone, b.zone) && buckets == b.buckets;
  }

  @Override
  public int hashCode() {
    return Objects.hash(limit, window, zone, buckets);
  }

  @Override
  public String toString() {
    return describe();
  }
}
