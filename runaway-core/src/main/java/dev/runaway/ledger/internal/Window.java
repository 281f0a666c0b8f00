package dev.runaway.ledger.internal;

import dev.runaway.stats.internal.StripedCounter;

/**
 * One budget window: a lock-free admission counter ({@link #used}: committed spend still in the
 * window plus outstanding reservations) and the record of when spend entered the window, so that
 * it can leave again: the growth of the account's {@link #spend} counter (committed spend, shared
 * by the account's windows) over each of the window's buckets, read when the bucket closes.
 *
 * <p>Ordering rule that keeps {@code used} from ever under-counting: spend is added to
 * {@code used} before it is added to {@code spend}, and roll-over only subtracts what a bucket
 * took of {@code spend}. Transient errors are therefore always over-counts (refusing, never
 * admitting too much).
 */
abstract class Window {

  /**
   * Spend at which a window saturates: from then on it refuses every reservation and its counter
   * no longer moves (neither spend nor roll-off changes it), so that absurd amounts (a cost
   * extractor returning {@code Long.MAX_VALUE}, two records of $9e9) can never wrap the counter
   * negative and open the budget. 2<sup>62</sup> nano-dollars is about $4.6 billion, far above
   * the largest limit a budget accepts ({@link dev.runaway.Budget#MAX_LIMIT}).
   */
  static final long SATURATED = 1L << 62;
  /**
   * Amounts smaller than this on a counter below 2<sup>61</sup> take one atomic add: even 2<sup>20</sup>
   * threads adding at once cannot carry it to {@link #SATURATED}, let alone past
   * {@code Long.MAX_VALUE}. Larger amounts take a CAS loop that clamps.
   */
  private static final long SMALL = 1L << 40;
  private static final long FAST_RANGE = 1L << 61;

  final long limit;
  /**
   * The account's committed spend since it was created (mod 2<sup>64</sup>: a window reads only
   * differences, each below 2<sup>62</sup> while it is not saturated). One add per commit for all
   * the account's windows; each window dates it by its own bucket boundaries.
   */
  final StripedCounter spend;
  final PaddedLong used;
  /**
   * Set (for good) when {@link #used} reaches {@link #SATURATED}: lets {@link #saturated()} answer
   * from a field that is written once instead of from the counter every call writes (one less
   * cache miss per commit under contention).
   */
  private volatile boolean saturatedForGood;

  /**
   * @param limit the budget's limit
   * @param spend the account's spend counter
   * @param used its admission counter (see {@link PaddedLong#group})
   */
  Window(long limit, StripedCounter spend, PaddedLong used) {
    this.limit = limit;
    this.spend = spend;
    this.used = used;
  }

  /** Expires spend that has left the window as of {@code now}. Cheap when nothing is due. */
  abstract void roll(long now);

  /** Committed spend in the window. */
  abstract long spent(long now);

  /** Nanos until {@code amount} fits, 0 if now, -1 if never by roll-off alone. */
  final long nanosUntilRoom(long amount, long now) {
    roll(now);
    // An exhausted window has no room even for an amount of zero.
    long need = Math.max(amount, 1);
    long u = used.get();
    if (u <= limit - need) {
      return 0;
    }
    return u >= SATURATED ? -1 : nanosUntilRolledOff(u, need, now);
  }

  /**
   * Nanos until enough spend leaves the window that {@code used} ({@code u}, over the room for
   * {@code need} now and not saturated) leaves room for it, -1 if it never does by roll-off alone.
   */
  abstract long nanosUntilRolledOff(long u, long need, long now);

  /**
   * Copies what the window holds, for the state file, without rolling it and without a lock:
   * called from the flusher thread while the hot path runs. Outstanding reservations are counted
   * as spend of the newest bucket, so that a call in flight at a crash is not forgotten.
   *
   * @param now the ticker's reading
   * @param wallOffsetNanos wall-clock epoch nanos minus ticker nanos, to date buckets for another process
   */
  abstract WindowState export(long now, long wallOffsetNanos);

  /**
   * Adds saved spend to this window before it is first used (no other thread sees it yet).
   * Entries are placed so that they leave the window no earlier than they would have in the
   * process that saved them; entries already out of the window are dropped.
   *
   * @param saved the saved window, of the same kind, length and zone
   * @param now the ticker's reading
   * @param wallOffsetNanos wall-clock epoch nanos minus ticker nanos in this process
   */
  abstract void restore(WindowState saved, long now, long wallOffsetNanos);

  /**
   * Adds {@code delta} to {@link #used} without ever wrapping: a sum at or above
   * {@link #SATURATED} saturates the window for good (sticky, so that a later roll-off of a
   * clamped amount cannot under-count).
   *
   * @return false if the window is saturated after the call (callers then leave the buckets alone)
   */
  final boolean addUsed(long delta) {
    long u = used.get();
    if (delta < SMALL && delta > -SMALL && u < FAST_RANGE && u > -FAST_RANGE) {
      used.getAndAdd(delta);
      return true;
    }
    return addUsedClamped(delta, u);
  }

  /** {@link #addUsed} for large amounts or a counter near saturation: a CAS loop that clamps. */
  private boolean addUsedClamped(long delta, long u) {
    for (;;) {
      if (u >= SATURATED) {
        saturatedForGood = true;
        return false;
      }
      long r = saturatedSum(u, delta);
      if (used.compareAndSet(u, r)) {
        if (r >= SATURATED) {
          saturatedForGood = true;
          return false;
        }
        return true;
      }
      u = used.get();
    }
  }

  /**
   * Whether the window's spend reached {@link #SATURATED}. Only {@link #addUsed}'s clamping path
   * can take the counter there, and it sets the flag as it does.
   */
  final boolean saturated() {
    return saturatedForGood;
  }

  /** {@code a + b}, clamped to {@link #SATURATED} instead of overflowing. */
  static long saturatedSum(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return r < 0 ? SATURATED : Long.MIN_VALUE / 2; // overflowed upwards / downwards
    }
    return Math.min(r, SATURATED);
  }

  /** The amount a bucket may take at once: with buckets below {@link #SATURATED}, sums stay in range. */
  static long bucketAmount(long amount) {
    return Math.min(amount, SATURATED);
  }

  final boolean tryAcquire(long amount, long now) {
    roll(now);
    if (amount > 0 && amount < SMALL) {
      // Optimistic: one atomic add, and an undo if it did not fit. Under contention this takes
      // the counter's cache line once per call, where a read and a compare-and-set take it twice
      // and retry. Exact all the same: a reservation stays only if the counter including it is
      // within the limit. The cost is at the very edge of the budget: while an add that did not fit
      // is being undone, a smaller call racing with it may be refused although it would have fit.
      long u = used.getAndAdd(amount);
      if (u <= limit - amount) {
        return true;
      }
      used.getAndAdd(-amount);
      return false;
    }
    return tryAcquireExact(amount);
  }

  /**
   * {@link #tryAcquire} for an estimate of zero or a large one: a read and a compare-and-set. Kept
   * apart so that the common path above stays small enough to be inlined into the guard's call.
   */
  private boolean tryAcquireExact(long amount) {
    // An exhausted window refuses even an estimate of zero.
    long need = Math.max(amount, 1);
    for (;;) {
      long u = used.get();
      if (u > limit - need) {
        return false;
      }
      if (used.compareAndSet(u, u + amount)) {
        return true;
      }
    }
  }
}
