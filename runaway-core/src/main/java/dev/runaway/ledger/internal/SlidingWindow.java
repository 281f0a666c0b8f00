package dev.runaway.ledger.internal;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A sliding window of {@code n} buckets, kept as a ring of {@code n + 1}: the newest bucket and
 * the {@code n} before it stay live. Roll-over happens at most once per bucket width, under this
 * object's monitor; every other operation is lock-free.
 *
 * <p>A bucket leaves the window once its whole span is older than the window, so spend is held
 * for between {@code window} and {@code window + bucket}: never released early. (With only
 * {@code n} live buckets, spend made at the end of a bucket would leave one bucket early.)
 */
final class SlidingWindow extends Window {

  private final long windowNanos;
  private final long bucketNanos;
  private final int n;
  /** Ring size: n + 1 live buckets. */
  private final int slots;
  /**
   * One ring per stripe, side by side with padding between them: each thread adds its spend to
   * the ring of its stripe (by thread id), so that threads on different cores do not write the
   * same cache line on every commit. A bucket's spend is the sum over the stripes; it is read
   * only at roll-over (once per bucket width), by snapshots and by refusals.
   */
  private final AtomicLongArray buckets;
  private final int stripeMask;
  /** Longs from one stripe's ring to the next. */
  private final int stripeStride;
  /** Index of stripe 0's first slot. */
  private final int stripeOffset;
  /** Longs of padding before, between and after the rings of a striped window: 128 bytes. */
  private static final int PAD = 16;
  /** Epoch (bucket index since the ticker's origin) of the newest bucket; MIN_VALUE before the first call. */
  private volatile long head = Long.MIN_VALUE;
  /** Ring slot of {@link #head}. */
  private volatile int headSlot;
  /**
   * Ticker reading at which the epoch after {@link #head} starts: below it {@link #roll} has
   * nothing to do. Written last by {@link #advance}, so a reader that sees it also sees the
   * matching {@link #headSlot}. Keeps 64-bit divisions off the hot path (there were five per
   * window per guarded call).
   */
  private volatile long nextEpochStart = Long.MIN_VALUE;

  SlidingWindow(long limit, long windowNanos, int n) {
    this(limit, windowNanos, n, 1, PaddedLong.single());
  }

  SlidingWindow(long limit, long windowNanos, int n, int stripes) {
    this(limit, windowNanos, n, stripes, PaddedLong.single());
  }

  /**
   * @param stripes rings of spend (rounded up to a power of two, at most 64): 1 for a window
   *     charged by one thread at a time, about the processor count for a service's
   * @param used its admission counter (see {@link PaddedLong#group})
   */
  SlidingWindow(long limit, long windowNanos, int n, int stripes, PaddedLong used) {
    super(limit, used);
    this.n = n;
    this.windowNanos = windowNanos;
    this.bucketNanos = Math.max(1, windowNanos / n);
    this.slots = n + 1;
    int s = Integer.highestOneBit(Math.max(1, Math.min(64, stripes)) * 2 - 1);
    this.stripeMask = s - 1;
    this.stripeStride = s == 1 ? slots : slots + PAD;
    this.stripeOffset = s == 1 ? 0 : PAD;
    this.buckets = new AtomicLongArray(s == 1 ? slots : stripeOffset + s * stripeStride);
  }

  /** The spend in ring slot {@code slot}, over all stripes. */
  private long slotSum(int slot) {
    long sum = 0;
    for (int i = stripeOffset + slot, end = i + (stripeMask + 1) * stripeStride; i < end; i += stripeStride) {
      sum = saturatedSum(sum, buckets.get(i));
    }
    return sum;
  }

  /** Empties ring slot {@code slot} in every stripe and returns what it held. */
  private long takeSlot(int slot) {
    long sum = 0;
    for (int i = stripeOffset + slot, end = i + (stripeMask + 1) * stripeStride; i < end; i += stripeStride) {
      sum = saturatedSum(sum, buckets.getAndSet(i, 0));
    }
    return sum;
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
    if (h != Long.MIN_VALUE) {
      // Epochs h-n..h were live; after moving to e, epochs <= e-n-1 are out.
      long from = h - n;
      long to = Math.min(h, e - n - 1);
      if (to - from >= slots) {
        from = to - slots + 1;
      }
      for (long x = from; x <= to; x++) {
        long amount = takeSlot((int) Math.floorMod(x, (long) slots));
        if (amount != 0) {
          addUsed(-amount);
        }
      }
    }
    head = e;
    headSlot = (int) Math.floorMod(e, (long) slots);
    long start = e * bucketNanos;
    nextEpochStart = start > Long.MAX_VALUE - bucketNanos ? Long.MAX_VALUE : start + bucketNanos;
  }

  @Override
  void addSpend(long amount, long now) {
    roll(now);
    // After roll(now), head is the epoch of now or a later one (another thread's newer reading):
    // the newest bucket, so the spend is never released early.
    // Thread ids are handed out in sequence, so the threads of a pool fall on different stripes.
    int stripe = stripeMask == 0 ? 0 : (int) Thread.currentThread().getId() & stripeMask;
    buckets.addAndGet(stripeOffset + stripe * stripeStride + headSlot, amount);
  }

  @Override
  long spent(long now) {
    roll(now);
    long sum = 0;
    for (int i = 0; i < slots; i++) {
      sum = saturatedSum(sum, slotSum(i));
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
      u -= slotSum((int) Math.floorMod(x, (long) slots));
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
      long[] ends = new long[slots + 1];
      long[] amounts = new long[slots + 1];
      int count = 0;
      long sum = 0;
      for (long x = h - n; x <= h; x++) {
        long a = slotSum((int) Math.floorMod(x, (long) slots));
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
        buckets.addAndGet(stripeOffset + (int) Math.floorMod(e, (long) slots), bucketAmount(amount));
      }
    }
  }
}
