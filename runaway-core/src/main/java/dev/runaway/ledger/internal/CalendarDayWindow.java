package dev.runaway.ledger.internal;

import dev.runaway.Ticker;
import dev.runaway.stats.internal.StripedCounter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * A window that holds one calendar day in a zone and empties at midnight there. The wall clock is
 * read at most once a second (and at the predicted midnight), never per call.
 *
 * <p>The day only moves forward: a wall clock stepped back across midnight does not return to the
 * previous day (which would empty the window a second time), so each calendar day admits at most
 * its limit whatever the clock does. A clock stepped forward across midnight starts the new day
 * early, as the host's clock says.
 *
 * <p>The day's spend is the growth of the account's {@link #spend} counter since the day began
 * here ({@link #dayStart}): a commit writes nothing of this window's.
 */
final class CalendarDayWindow extends Window {

  private static final long RECHECK_NANOS = 1_000_000_000L;

  private final Ticker ticker;
  private final ZoneId zone;
  /** {@link #spend}'s sum when the day held began here (mod 2<sup>64</sup>); written under the monitor. */
  private volatile long dayStart;
  private volatile long day = Long.MIN_VALUE;
  private volatile long nextCheck = Long.MIN_VALUE;
  private volatile long dayEnd = Long.MIN_VALUE;

  /** A window of its own (its own spend counter and admission counter), for tests. */
  CalendarDayWindow(long limit, Ticker ticker, ZoneId zone) {
    this(limit, ticker, zone, new StripedCounter(1), PaddedLong.single());
  }

  CalendarDayWindow(long limit, Ticker ticker, ZoneId zone, StripedCounter spend, PaddedLong used) {
    super(limit, spend, used);
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
    advance(LocalDate.ofInstant(wall, zone).toEpochDay(), wall, now);
  }

  /** Moves the day held forward to {@code d} (never back), emptying the window if it moved. */
  private synchronized void advance(long d, Instant wall, long now) {
    long current = day;
    if (d > current) {
      // As a sliding window's roll-over: commits after this read are the new day's.
      long s = spend.get();
      if (current != Long.MIN_VALUE) {
        long amount = s - dayStart;
        addUsed(-amount);
      }
      dayStart = s;
      day = d;
      current = d;
    }
    // A wall clock stepped back across midnight reads yesterday again: the day never goes back
    // (spend keeps counting toward the newer day), or yesterday would be emptied and refilled
    // and then today again at the second midnight. Midnight is taken as the end of the day held.
    Instant end = LocalDate.ofEpochDay(current).plusDays(1).atStartOfDay(zone).toInstant();
    long untilMidnight = Math.max(0, Duration.between(wall, end).toNanos());
    dayEnd = now + untilMidnight;
    nextCheck = now + Math.min(Math.max(untilMidnight, 1), RECHECK_NANOS);
  }

  /** The spend of the day held. */
  private long today() {
    return spend.get() - dayStart;
  }

  @Override
  long spent(long now) {
    roll(now);
    return saturated() ? Math.max(today(), SATURATED) : today();
  }

  @Override
  long nanosUntilRolledOff(long u, long need, long now) {
    return u - today() <= limit - need ? Math.max(0, dayEnd - now) : -1;
  }

  @Override
  WindowState export(long now, long wallOffsetNanos) {
    for (int attempt = 0; ; attempt++) {
      long d = day;
      if (d == Long.MIN_VALUE) {
        return WindowState.calendarDay(zone, new long[0], new long[0]);
      }
      if (saturated()) {
        // As SlidingWindow's: the shared counter may have wrapped past a saturated day's spend.
        return WindowState.calendarDay(zone, new long[] {d}, new long[] {SATURATED});
      }
      long amount = today();
      long outstanding = used.get() - amount;
      if (day != d && attempt < 3) {
        continue;
      }
      long total = saturatedSum(amount, Math.max(0, outstanding));
      return total == 0
          ? WindowState.calendarDay(zone, new long[0], new long[0])
          : WindowState.calendarDay(zone, new long[] {d}, new long[] {total});
    }
  }

  @Override
  void restore(WindowState saved, long now, long wallOffsetNanos) {
    roll(now);
    // A state file saved on the day after the one this clock reads (the clock was stepped back
    // across midnight before this start): the day never goes back, as in a running process, so
    // the newer day is kept with its spend instead of being dropped as "not today" (a refund).
    // Only one day ahead: a day further on was saved by a clock far off, and holding it would
    // keep this budget from renewing until then.
    long newest = Long.MIN_VALUE;
    for (int i = 0; i < saved.size(); i++) {
      if (saved.amount(i) > 0 && saved.time(i) == day + 1) {
        newest = saved.time(i);
      }
    }
    if (newest != Long.MIN_VALUE) {
      advance(newest, ticker.instant(), now);
    }
    long d = day;
    for (int i = 0; i < saved.size(); i++) {
      long amount = saved.amount(i);
      if (saved.time(i) == d && amount > 0 && addUsed(amount)) {
        dayStart -= bucketAmount(amount);
      }
    }
  }
}
