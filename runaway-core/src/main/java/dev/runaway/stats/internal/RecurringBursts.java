package dev.runaway.stats.internal;

import java.util.Arrays;

/**
 * Bursts that come back at the same time of day: a batch job at 02:00, a cron at the top of every
 * hour, a report every two hours. The seasonal baseline learns rates per hour and never learns a
 * bucket judged a spike, so such a burst looked new every time it came: a 5x burst of three
 * minutes every hour alerted 24 times a day for ever, and a 10x batch of three minutes once a day
 * tripped the breaker every day (measured with the defaults before this class).
 *
 * <p>It keeps, per day of the clock it is given (the meter's zone; the last {@value #DAYS}), per
 * bucket of the day and per channel,
 * how far the bucket rose above the seasonal expectation when that rise was significant (at least
 * {@value #MIN_RATIO}x, the minimum excess, and a tail probability below e^-{@value #SIGNIFICANCE}),
 * quantised to a quarter of a binary order of magnitude in one byte. A bucket about to open is
 * expected to rise as far as the same time of day did (within two minutes either side, at least one
 * bucket: start times jitter) on two of yesterday, the day before and the same weekday a week ago,
 * at most {@value #MAX_FACTOR}x: its expectation, and with it every threshold, is multiplied by
 * that factor.
 *
 * <p>A runaway is never learned as a burst: a run of significant buckets lasting more than 30
 * minutes (at least one bucket) is a sustained rise, and the run is erased as soon as it is that
 * long. A rise that came once lifts nothing. A shorter rise that came twice at the same time (a
 * daily batch, or a daily loop the breaker stopped within minutes both times) makes those few
 * minutes less sensitive; a runaway starting at exactly that time is caught once it outlasts them,
 * and budgets still apply.
 *
 * <p>The record is exported with the meter's baseline ({@link #export()}, {@link #restore}), so a
 * guard or monitor with a state folder keeps it across restarts.
 *
 * <p>Memory: only the significant buckets are kept, 4 bytes each in a sorted array per day (a
 * key's meter with a daily three-minute burst keeps a few hundred bytes; a dense table of every
 * bucket of the eight days was 23 KiB for one-minute buckets, per key meter). Nothing is allocated
 * before the first significant bucket. Not thread-safe: the meter uses it under its roll lock.
 */
public final class RecurringBursts {

  /** Days remembered: yesterday's and a week ago's are read. */
  static final int DAYS = 8;
  /** The days looked back on: a rise counts as recurring when it came on two of them. */
  private static final int[] LOOK_BACK = {1, 2, 7};
  /** Time either side of the same time of day that counts as the same time (start times jitter). */
  static final long WINDOW_NANOS = 120_000_000_000L;
  /** A run of significant buckets longer than this is a sustained rise, not a burst. */
  static final long MAX_RUN_NANOS = 1_800_000_000_000L;
  /** The smallest rise recorded, as a multiple of the seasonal expectation. */
  public static final double MIN_RATIO = 2;
  /** The largest factor applied. */
  static final double MAX_FACTOR = 64;
  /** The tail probability a rise needs to be recorded, as -ln(p). */
  public static final double SIGNIFICANCE = 9.0;
  private static final long DAY_NANOS = 86_400_000_000_000L;
  /** The most buckets a day may have (15-second buckets). */
  private static final long MAX_SLOTS = 5_760;

  private final long bucketNanos;
  private final int slotsPerDay;
  /** {@link #WINDOW_NANOS} in buckets, rounded up: 2 for one-minute buckets, 1 for five-minute ones. */
  private final int window;
  /** {@link #MAX_RUN_NANOS} in buckets, at least 1: 30 for one-minute buckets, 6 for five-minute ones. */
  private final long maxRun;
  /**
   * [day % DAYS]: that day's significant buckets, sorted by bucket of the day, each
   * {@code slot << 16 | calls << 8 | cost} with the channels' round(4 log2(ratio)) (0 for none);
   * null until the day's first.
   */
  private final int[][] entries = new int[DAYS][];
  /** How many of each day's {@link #entries} are in use. */
  private final int[] sizes = new int[DAYS];
  /** Whether any significant bucket was ever recorded. */
  private boolean any;
  private final long[] rowDay = new long[DAYS];
  /** Index (since the epoch) of the first bucket of the current run of significant buckets. */
  private long runStart = Long.MIN_VALUE;
  /** Index of the last significant bucket. */
  private long lastSignificant = Long.MIN_VALUE;
  /** Whether the current run has outlasted {@link #maxRun} (then nothing of it is kept). */
  private boolean runTooLong;

  private RecurringBursts(long bucketNanos, int slotsPerDay) {
    this.bucketNanos = bucketNanos;
    this.slotsPerDay = slotsPerDay;
    this.window = (int) ((WINDOW_NANOS + bucketNanos - 1) / bucketNanos);
    this.maxRun = Math.max(1, Math.round(MAX_RUN_NANOS / (double) bucketNanos));
    Arrays.fill(rowDay, Long.MIN_VALUE);
  }

  /**
   * Returns the record for buckets of this width, or {@code null} when a day is not a whole
   * number of them (no bucket has a fixed time of day) or has too many.
   *
   * @param bucketNanos the bucket width
   * @return the record, or {@code null}
   */
  public static RecurringBursts forBucket(long bucketNanos) {
    if (bucketNanos <= 0 || DAY_NANOS % bucketNanos != 0 || DAY_NANOS / bucketNanos > MAX_SLOTS) {
      return null;
    }
    return new RecurringBursts(bucketNanos, (int) (DAY_NANOS / bucketNanos));
  }

  /**
   * The factor by which the bucket starting at {@code wallStart} is expected to rise above its
   * seasonal expectation: 1 unless the same time of day rose significantly yesterday or a week ago.
   *
   * @param ch the channel
   * @param wallStart the bucket's start on the local clock: nanoseconds since the epoch plus the
   *     zone's offset
   * @return the factor, 1 to {@value #MAX_FACTOR}
   */
  public double factor(int ch, long wallStart) {
    if (!any) {
      return 1;
    }
    long b = Math.floorDiv(wallStart, bucketNanos);
    // The second highest of the three days: the rise must have come at least twice.
    int first = 0;
    int second = 0;
    for (int daysAgo : LOOK_BACK) {
      int best = 0;
      for (int k = -window; k <= window; k++) {
        long idx = b - (long) daysAgo * slotsPerDay + k;
        long day = Math.floorDiv(idx, slotsPerDay);
        int row = (int) Math.floorMod(day, (long) DAYS);
        if (rowDay[row] == day) {
          int i = find(row, (int) Math.floorMod(idx, (long) slotsPerDay));
          if (i >= 0) {
            best = Math.max(best, (entries[row][i] >>> (ch == 0 ? 8 : 0)) & 0xFF);
          }
        }
      }
      if (best > first) {
        second = first;
        first = best;
      } else if (best > second) {
        second = best;
      }
    }
    return second == 0 ? 1 : Math.min(MAX_FACTOR, Math.pow(2, second / 4.0));
  }

  /**
   * Records a closed bucket: the ratio of each channel to its seasonal expectation, or 0 for a
   * channel whose rise was not significant.
   *
   * @param wallStart the bucket's start on the local clock: nanoseconds since the epoch plus the
   *     zone's offset
   * @param callRatio the call channel's ratio, or 0
   * @param costRatio the cost channel's ratio, or 0
   */
  public void record(long wallStart, double callRatio, double costRatio) {
    long b = Math.floorDiv(wallStart, bucketNanos);
    boolean significant = callRatio >= MIN_RATIO || costRatio >= MIN_RATIO;
    if (!significant) {
      if (any) {
        put(b, (byte) 0, (byte) 0);
      }
      return;
    }
    if (lastSignificant != b - 1 || b - runStart < 0) {
      runStart = b;
      runTooLong = false;
    }
    lastSignificant = b;
    if (runTooLong) {
      return;
    }
    if (b - runStart >= maxRun) {
      // A sustained rise: erase the run, and keep nothing of it until it ends.
      runTooLong = true;
      for (long i = runStart; i < b; i++) {
        put(i, (byte) 0, (byte) 0);
      }
      return;
    }
    any = true;
    put(b, quantise(callRatio), quantise(costRatio));
  }

  /**
   * Exports the record for a baseline state: one long per remembered significant bucket, oldest
   * first: its index since the epoch (local clock) shifted left by 16, then the call channel's
   * byte, then the cost channel's.
   *
   * @return the entries; empty when none
   */
  public long[] export() {
    long[] days = rowDay.clone();
    Arrays.sort(days);
    int total = 0;
    for (int n : sizes) {
      total += n;
    }
    long[] out = new long[total];
    int k = 0;
    for (long day : days) {
      if (day == Long.MIN_VALUE) {
        continue;
      }
      int row = (int) Math.floorMod(day, (long) DAYS);
      for (int i = 0; i < sizes[row]; i++) {
        int e = entries[row][i];
        out[k++] = ((day * slotsPerDay + (e >>> 16)) << 16) | (e & 0xFFFF);
      }
    }
    return Arrays.copyOf(out, k);
  }

  /**
   * Restores entries written by {@link #export()} of a record with the same bucket width, before
   * the meter is first used.
   *
   * @param saved the entries, oldest first
   */
  public void restore(long[] saved) {
    for (long e : saved) {
      byte calls = (byte) ((e >>> 8) & 0x7F);
      byte cost = (byte) (e & 0x7F);
      if (calls != 0 || cost != 0) {
        any = true;
        put(e >> 16, calls, cost);
      }
    }
  }

  private static byte quantise(double ratio) {
    if (!(ratio >= MIN_RATIO)) {
      return 0;
    }
    return (byte) Math.min(127, Math.max(1, Math.round(4 * Math.log(Math.min(ratio, 1e9)) / Math.log(2))));
  }

  private void put(long b, byte calls, byte cost) {
    if (!any) {
      return;
    }
    long day = Math.floorDiv(b, slotsPerDay);
    int row = (int) Math.floorMod(day, (long) DAYS);
    if (rowDay[row] != day) {
      if (rowDay[row] != Long.MIN_VALUE && day < rowDay[row]) {
        return; // older than what the row holds now (a clock step back): not worth a row
      }
      sizes[row] = 0;
      rowDay[row] = day;
    }
    int slot = (int) Math.floorMod(b, (long) slotsPerDay);
    int value = (calls & 0xFF) << 8 | (cost & 0xFF);
    int i = find(row, slot);
    int n = sizes[row];
    int[] e = entries[row];
    if (i >= 0) {
      if (value != 0) {
        e[i] = slot << 16 | value;
      } else {
        System.arraycopy(e, i + 1, e, i, n - i - 1);
        sizes[row] = n - 1;
      }
      return;
    }
    if (value == 0) {
      return;
    }
    int at = -(i + 1);
    if (e == null || n == e.length) {
      e = Arrays.copyOf(e == null ? new int[0] : e, Math.min(slotsPerDay, Math.max(8, n + (n >> 1))));
      entries[row] = e;
    }
    System.arraycopy(e, at, e, at + 1, n - at);
    e[at] = slot << 16 | value;
    sizes[row] = n + 1;
  }

  /** The index of {@code slot} in the row's entries, or -(insertion point) - 1. */
  private int find(int row, int slot) {
    int[] e = entries[row];
    int lo = 0;
    int hi = sizes[row] - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int s = e[mid] >>> 16;
      if (s < slot) {
        lo = mid + 1;
      } else if (s > slot) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -(lo + 1);
  }
}
