package dev.runaway.ledger.internal;

import dev.runaway.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A window that holds one calendar day in a zone and empties at midnight there. The wall clock is
 * read at most once a second (and at the predicted midnight), never per call.
 */
final class CalendarDayWindow extends Window {

  private static final long RECHECK_NANOS = 1_000_000_000L;

  private final Ticker ticker;
  private final ZoneId zone;
  private final AtomicLong bucket = new AtomicLong();
  private volatile long day = Long.MIN_VALUE;
  private volatile long nextCheck = Long.MIN_VALUE;
  private volatile long dayEnd = Long.MIN_VALUE;

  CalendarDayWindow(long limit, Ticker ticker, ZoneId zone) {
    super(limit);
    this.ticker = ticker;
    this.zone = zone;
  }

  @Override
  void roll(long now) {
    if (now >= nextCheck || day == Long.MIN_VALUE) {
      check(now);
    }
  }

  private synchronized void check(long now) {
    if (now < nextCheck && day != Long.MIN_VALUE) {
      return;
    }
    Instant wall = ticker.instant();
    LocalDate date = LocalDate.ofInstant(wall, zone);
    long d = date.toEpochDay();
    if (d != day) {
      if (day != Long.MIN_VALUE) {
        long amount = bucket.getAndSet(0);
        used.addAndGet(-amount);
      }
      day = d;
    }
    long untilMidnight = Duration.between(wall, date.plusDays(1).atStartOfDay(zone).toInstant()).toNanos();
    dayEnd = now + untilMidnight;
    nextCheck = now + Math.min(untilMidnight, RECHECK_NANOS);
  }

  @Override
  void addSpend(long amount, long now) {
    roll(now);
    bucket.addAndGet(amount);
  }

  @Override
  long spent(long now) {
    roll(now);
    return bucket.get();
  }

  @Override
  long nanosUntilRoom(long amount, long now) {
    roll(now);
    long need = Math.max(amount, 1);
    long u = used.get();
    if (u <= limit - need) {
      return 0;
    }
    return u - bucket.get() <= limit - need ? Math.max(0, dayEnd - now) : -1;
  }

  @Override
  WindowState export(long now, long wallOffsetNanos) {
    for (int attempt = 0; ; attempt++) {
      long d = day;
      if (d == Long.MIN_VALUE) {
        return WindowState.calendarDay(zone, new long[0], new long[0]);
      }
      long amount = bucket.get();
      long outstanding = used.get() - amount;
      if (day != d && attempt < 3) {
        continue;
      }
      long total = amount + Math.max(0, outstanding);
      return total == 0
          ? WindowState.calendarDay(zone, new long[0], new long[0])
          : WindowState.calendarDay(zone, new long[] {d}, new long[] {total});
    }
  }

  @Override
  void restore(WindowState saved, long now, long wallOffsetNanos) {
    roll(now);
    long d = day;
    for (int i = 0; i < saved.size(); i++) {
      long amount = saved.amount(i);
      if (saved.time(i) == d && amount > 0) {
        used.addAndGet(amount);
        bucket.addAndGet(amount);
      }
    }
  }
}
