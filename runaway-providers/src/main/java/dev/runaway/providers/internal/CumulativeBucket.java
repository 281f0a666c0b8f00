package dev.runaway.providers.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.Objects;

/**
 * The calendar bucket (a day or a month in some time zone) that a cumulative report covers.
 *
 * <p>A source whose figures only exist per day or per month reports the bucket's running total,
 * with {@code from} at the bucket's start; the monitor then counts only what grew since its last
 * report of the same bucket ({@link dev.runaway.monitor.UsageReport}). The bucket chosen is the
 * one holding the instant just before the polled span, {@code since - 1 ns}:
 *
 * <ul>
 *   <li>inside a bucket, that is the current bucket, and {@code from} lies before {@code since},
 *       so the report reads as cumulative;
 *   <li>when the span crosses into a new bucket, the old bucket's final total is reported once
 *       more, so its last growth is counted; the new bucket is counted, from its start, by the
 *       next poll;
 *   <li>when {@code since} falls exactly on a boundary, the old bucket is reported too: reporting
 *       the new one would give {@code from == since}, which reads as a plain span, and the next
 *       poll's cumulative report of the same bucket would count its start twice.
 * </ul>
 *
 * @param start the bucket's start (inclusive)
 * @param end the bucket's end (exclusive)
 */
public record CumulativeBucket(Instant start, Instant end) {

  /** Validates. */
  public CumulativeBucket {
    Objects.requireNonNull(start, "start");
    Objects.requireNonNull(end, "end");
    if (!end.isAfter(start)) {
      throw new IllegalArgumentException("end " + end + " must be after start " + start);
    }
  }

  /**
   * Returns the day, in a zone, that holds the instant just before {@code since}.
   *
   * @param since the start of the polled span
   * @param zone the zone whose midnights bound the days (UTC, America/Los_Angeles)
   * @return the day
   */
  public static CumulativeBucket day(Instant since, ZoneId zone) {
    ZonedDateTime start = since.minusNanos(1).atZone(zone).truncatedTo(ChronoUnit.DAYS);
    // truncatedTo keeps the zone's offset rules: a day may last 23 or 25 hours.
    return new CumulativeBucket(start.toInstant(), start.plusDays(1).toInstant());
  }

  /**
   * Returns the calendar month, in a zone, that holds the instant just before {@code since}.
   *
   * @param since the start of the polled span
   * @param zone the zone
   * @return the month
   */
  public static CumulativeBucket month(Instant since, ZoneId zone) {
    ZonedDateTime start = since.minusNanos(1).atZone(zone).with(TemporalAdjusters.firstDayOfMonth())
        .truncatedTo(ChronoUnit.DAYS);
    return new CumulativeBucket(start.toInstant(), start.plusMonths(1).toInstant());
  }

  /**
   * Returns the end of the data to read for a poll ending at {@code now}: {@code now} while the
   * bucket lasts, else the bucket's end.
   *
   * @param now the end of the polled span
   * @return the end of the data to read
   */
  public Instant readUntil(Instant now) {
    return now.isBefore(end) ? now : end;
  }

  /**
   * Whether an instant lies in the bucket.
   *
   * @param t the instant
   * @return {@code true} if {@code start <= t < end}
   */
  public boolean contains(Instant t) {
    return !t.isBefore(start) && t.isBefore(end);
  }
}
