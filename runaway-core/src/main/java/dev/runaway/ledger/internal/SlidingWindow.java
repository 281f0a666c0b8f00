package dev.runaway.ledger.internal;

import dev.runaway.stats.internal.StripedCounter;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A sliding window of {@code n} buckets, kept as a ring of {@code n + 1}: the newest bucket and
 * the {@code n} before it stay live. Roll-over happens at most once per bucket width, under this
 * object's monitor; every other operation is lock-free.
 *
 * <p>A bucket leaves the window once its whole span is older than the window, so spend is held
 * for between {@code window} and {@code window + bucket}: never released early. (With only
 * {@code n} live buckets, spend made at the end of a bucket would leave one bucket early.)
 *
 * <p>Spend is not written to the ring on a commit: the account adds it once to its
 * {@linkplain Window#spend spend counter}, shared by all its windows, and each window dates it by
 * reading that counter when its newest bucket closes (the bucket holds the counter's growth since
 * the bucket opened). A commit therefore costs one atomic add however many windows its account
 * has; the ring is written only at roll-over, under the monitor.
 */
final class SlidingWindow extends Window {

  private final long windowNanos;
  private final long bucketNanos;
  private final int n;
  /** Ring size: n + 1 live buckets. */
  private final int slots;
  /**
   * Spend of the closed live buckets, by ring slot; the newest bucket's slot holds 0 (its spend is
   * {@link #spend} minus {@link #headStart}). Written only by {@link #advance} (and
   * {@link #restore}, before first use).
   */
  private final long[] closed;
  /** Epoch (bucket index since the ticker's origin) of the newest bucket; MIN_VALUE before the first call. */
  private volatile long head = Long.MIN_VALUE;
  /** Ring slot of {@link #head}. */
  private volatile int headSlot;
  /** {@link #spend}'s sum when the newest bucket opened (mod 2<sup>64</sup>). */
  private volatile long headStart;
  /**
   * Ticker reading at which the epoch after {@link #head} starts: below it {@link #roll} has
   * nothing to do. Written last by {@link #advance}, so a reader that sees it also sees the
   * matching {@link #headSlot}. Keeps 64-bit divisions off the hot path (there were five per
   * window per guarded call).
   */
  private volatile long nextEpochStart = Long.MIN_VALUE;

  /** A window of its own (its own spend counter and admission counter), for tests. */
  SlidingWindow(long limit, long windowNanos, int n) {
    this(limit, windowNanos, n, new StripedCounter(1), PaddedLong.single());
  }

  /**
   * @param spend the account's spend counter, shared by its windows
   * @param used its admission counter (see {@link PaddedLong#group})
   */
  SlidingWindow(long limit, long windowNanos, int n, StripedCounter spend, PaddedLong used) {
    super(limit, spend, used);
    this.n = n;
    this.windowNanos = windowNanos;
    // Rounded up: n buckets rounded down spanned less than the window, and its oldest spend left a
    // few nanoseconds early, so a window of 61 s in 60 buckets admitted its limit twice within 61 s
    // (review nu82). Rounded up it leaves at most n - 1 ns late.
    this.bucketNanos = Math.max(1, -Math.floorDiv(-windowNanos, n));
    this.slots = n + 1;
    this.closed = new long[slots];
  }

  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

  private long closed(int slot) {
    return (long) SLOT.getVolatile(closed, slot);
  }

  private void setClosed(int slot, long amount) {
    SLOT.setVolatile(closed, slot, amount);
  }

  /** The spend of epoch {@code x}, live in the window with newest epoch {@code h}. */
  private long amount(long x, long h) {
    return x == h ? spend.get() - headStart : closed((int) Math.floorMod(x, (long) slots));
  }

  @Override
  void roll(long now) {
    if (now >= nextEpochStart) {
      advance(Math.floorDiv(now, bucketNanos));
    }
  }

  private synchronized void advance(long e) {
    long h = head;
    if (e <= h) {
      return;
    }
    // Every commit dated before e (its reading below nextEpochStart) added to the counter before
    // this read: a commit that reads e's time passes roll() first, which waits for this monitor or
    // sees nextEpochStart written after the read. Later adds open the new bucket: never dated early.
    long s = spend.get();
    if (h != Long.MIN_VALUE) {
      setClosed(headSlot, s - headStart);
      // Epochs h-n..h were live; after moving to e, epochs <= e-n-1 are out.
      long from = h - n;
      long to = Math.min(h, e - n - 1);
      if (to - from >= slots) {
        from = to - slots + 1;
      }
      for (long x = from; x <= to; x++) {
        int slot = (int) Math.floorMod(x, (long) slots);
        long amount = closed(slot);
        if (amount != 0) {
          setClosed(slot, 0);
          addUsed(-amount);
        }
      }
    }
    headStart = s;
    head = e;
    headSlot = (int) Math.floorMod(e, (long) slots);
    long start = e * bucketNanos;
    nextEpochStart = start > Long.MAX_VALUE - bucketNanos ? Long.MAX_VALUE : start + bucketNanos;
  }

  @Override
  long spent(long now) {
    roll(now);
    long sum;
    // Under the monitor: a roll-over closes the newest bucket into its slot before it moves
    // headStart, and a lock-free reader between the two counted that bucket twice. Not on the
    // call's path (snapshots, the top keys); the roll-over holds the monitor briefly.
    synchronized (this) {
      sum = spend.get() - headStart;
      for (int i = 0; i < slots; i++) {
        sum = saturatedSum(sum, closed(i));
      }
    }
    return saturated() ? Math.max(sum, SATURATED) : sum;
  }

  @Override
  long nanosUntilRolledOff(long u, long need, long now) {
    long h = head;
    if (h == Long.MIN_VALUE) {
      return -1;
    }
    // Walk from the oldest live bucket: each leaves the window at the start of epoch x + n + 1.
    for (long x = h - n; x <= h; x++) {
      u -= amount(x, h);
      if (u <= limit - need) {
        return Math.max(0, (x + n + 1) * bucketNanos - now);
      }
    }
    return -1;
  }

  @Override
  WindowState export(long now, long wallOffsetNanos) {
    for (int attempt = 0; ; attempt++) {
      long h = head;
      if (h == Long.MIN_VALUE) {
        return WindowState.sliding(windowNanos, new long[0], new long[0]);
      }
      if (saturated()) {
        // The shared counter keeps counting past a saturated window (mod 2^64): its buckets may
        // read wrapped amounts. Saturated for good here, saturated in the next process too.
        return WindowState.sliding(windowNanos, new long[] {(h + 1) * bucketNanos + wallOffsetNanos},
            new long[] {SATURATED});
      }
      long[] ends = new long[slots + 1];
      long[] amounts = new long[slots + 1];
      int count = 0;
      long sum = 0;
      for (long x = h - n; x <= h; x++) {
        long a = amount(x, h);
        if (a != 0) {
          ends[count] = (x + 1) * bucketNanos + wallOffsetNanos;
          amounts[count++] = a;
          sum = saturatedSum(sum, a);
        }
      }
      long outstanding = used.get() - sum;
      // A roll-over between the reads would date spend of the new head at an old bucket: re-read.
      if (head != h && attempt < 3) {
        continue;
      }
      if (outstanding > 0) {
        long newestEnd = (h + 1) * bucketNanos + wallOffsetNanos;
        if (count > 0 && ends[count - 1] == newestEnd) {
          amounts[count - 1] = saturatedSum(amounts[count - 1], outstanding);
        } else {
          ends[count] = newestEnd;
          amounts[count++] = outstanding;
        }
      }
      return WindowState.sliding(windowNanos, java.util.Arrays.copyOf(ends, count),
          java.util.Arrays.copyOf(amounts, count));
    }
  }

  @Override
  void restore(WindowState saved, long now, long wallOffsetNanos) {
    roll(now);
    long h = head;
    for (int i = 0; i < saved.size(); i++) {
      long amount = saved.amount(i);
      if (amount <= 0) {
        continue;
      }
      long end = saved.time(i) - wallOffsetNanos;
      // The bucket holding the saved bucket's last instant leaves no earlier than the saved one.
      long e = Math.min(Math.floorDiv(end - 1, bucketNanos), h);
      if (e <= h - n - 1) {
        continue;
      }
      if (addUsed(amount)) {
        if (e == h) {
          headStart -= bucketAmount(amount);
        } else {
          int slot = (int) Math.floorMod(e, (long) slots);
          setClosed(slot, saturatedSum(closed(slot), bucketAmount(amount)));
        }
      }
    }
  }
}
