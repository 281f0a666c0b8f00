package dev.runaway.stats.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;

/**
 * A counter split into cache-line-padded stripes, one per thread (by thread id), so that threads
 * on different cores add without taking each other's cache line: the burn-rate meter's per-call
 * counts. With one stripe it is a plain atomic field (for per-key meters and accounts, where
 * memory matters more than contention).
 *
 * <p>Each stripe has an owner: the first thread that adds to it. The owner adds with a plain
 * read and an ordered store to its own part of the stripe (no locked instruction: it is that
 * part's only writer); any other thread whose id falls on the stripe adds atomically to the
 * stripe's shared part. A stripe's value is the sum of its two parts. The owner is known by the
 * thread itself (a weak reference, so an ended thread is not kept), not by its id: the id only
 * picks the stripe. {@link Thread#getId()} is not final (a pool may number its workers, and two
 * pools' workers then report the same id) and, before JDK 19, could be handed out again once its
 * thread ended; two threads taken for one owner overwrote each other's adds. Once an owner has
 * ended, the next thread that adds to its stripe takes it over (its first add atomic, from the
 * part's latest value), so threads that start later (a new pool, a thread per task) are not left
 * on the atomic path.
 *
 * <p>{@link #add} returns the new value of the caller's stripe, not the sum: a caller that compares
 * the sum with a threshold {@code t} only needs the sum once its own stripe reaches
 * {@code t / stripes} (if the sum is at least {@code t}, some stripe is at least {@code t / stripes};
 * see {@link #mayReach}). With one stripe the stripe is the sum and the check is exact at no cost.
 *
 * <p>The stripes only grow by the amounts added (mod 2<sup>64</sup>): {@link #getAndSet} does not
 * write them, it moves a base that {@link #get} subtracts (written only by the thread that
 * resets, one at a time), so a reset never races with an owner's plain add.
 *
 * <p>A {@linkplain #viewOf view} of another counter writes nothing of its own: it reads that
 * counter's growth since its last {@link #getAndSet}, stripe by stripe (the burn-rate meter's cost
 * read from the ledger account's spend counter, which the account adds to anyway).
 *
 * <p>Thread-safe and lock-free; no allocation after construction but a stripe's claim (one weak
 * reference, once per owner).
 */
public final class StripedCounter {

  /** Longs between two stripes: 128 bytes, two cache lines (the adjacent-line prefetcher pairs lines). */
  private static final int STRIDE = 16;
  /** A stripe's part written by its owner only; then {@link #SHARED} after it. */
  private static final int OWNED = 0;
  /** A stripe's part that threads other than its owner add to atomically. */
  private static final int SHARED = 1;
  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);
  private static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(Object[].class);
  private static final VarHandle SINGLE;

  static {
    try {
      SINGLE = MethodHandles.lookup().findVarHandle(StripedCounter.class, "single", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The stripes, padded; null with one stripe (then {@link #single} is the value). */
  private final long[] cells;
  /**
   * Each stripe's owner, by stripe: a {@link WeakReference} to the thread that claimed it, null
   * until one does; replaced (by compare-and-set, a new reference each time, so never back to an
   * old one) only once that thread has ended. Shared with views. Written once per owner, read by
   * every add: apart from the stripes, it stays in every core's cache.
   */
  private final Object[] owners;
  private final int mask;
  private final int shift;
  private final int stride;
  private final int offset;
  /** The value of a one-stripe counter: no array, for the 100,000 keys' counters. */
  private volatile long single;
  /** Whose stripes this counter reads: itself, or a view's source (not a stripe's owner thread). */
  private final StripedCounter source;
  /**
   * Each stripe's value at the last {@link #getAndSet}, at the stripes' indexes: a view's reading
   * of its source, or a striped counter's own base; null for a one-stripe counter (a view of one
   * has its one reading).
   */
  private final long[] base;

  /**
   * Creates a counter.
   *
   * @param stripes the number of stripes, rounded up to a power of two (at least 1, at most 64)
   */
  public StripedCounter(int stripes) {
    int n = Integer.highestOneBit(Math.max(1, Math.min(64, stripes)) * 2 - 1);
    this.mask = n - 1;
    this.shift = Integer.numberOfTrailingZeros(n);
    this.stride = n == 1 ? 0 : STRIDE;
    this.offset = n == 1 ? 0 : STRIDE;
    this.cells = n == 1 ? null : new long[STRIDE * (n + 1)];
    this.owners = n == 1 ? null : new Object[n];
    this.source = this;
    this.base = n == 1 ? null : new long[cells.length];
  }

  private StripedCounter(StripedCounter source) {
    this.mask = source.mask;
    this.shift = source.shift;
    this.stride = source.stride;
    this.offset = source.offset;
    this.cells = source.cells;
    this.owners = source.owners;
    this.source = source;
    this.base = new long[cells == null ? 1 : cells.length];
    for (int i = 0, at = offset; i <= mask; i++, at += stride) {
      CELL.setVolatile(base, at, read(at));
    }
  }

  /** The source's stripe at {@code at}, both parts, as added since its creation (mod 2^64). */
  private long read(int at) {
    return cells == null ? source.single
        : (long) CELL.getVolatile(cells, at + OWNED) + (long) CELL.getVolatile(cells, at + SHARED);
  }

  /**
   * Returns a view of {@code source}: a counter whose {@link #add} writes nothing and whose value
   * is what {@code source} gained since the view's last {@link #getAndSet} (since its creation at
   * first). The holder of {@code source} adds each amount there after the view's {@link #add} of it:
   * {@link #add} returns the caller's stripe as it will be once the holder has added.
   *
   * @param source the counter its holder adds to
   * @return the view, with the same stripes; its {@link #getAndSet} must not run in two threads at
   *     once (the meter calls it under its roll lock)
   */
  public static StripedCounter viewOf(StripedCounter source) {
    return new StripedCounter(source);
  }

  /**
   * Returns the stripe count suited to this machine: its processor count (the constructor rounds
   * it up to a power of two).
   *
   * @return the count
   */
  public static int forThisMachine() {
    return Runtime.getRuntime().availableProcessors();
  }

  /**
   * Returns the number of stripes.
   *
   * @return a power of two
   */
  public int stripes() {
    return mask + 1;
  }

  /**
   * Adds to the caller's stripe.
   *
   * @param delta the amount
   * @return the caller's stripe after the add (the sum when there is one stripe)
   */
  public long add(long delta) {
    if (source != this) {
      return addToView(delta);
    }
    long[] c = cells;
    if (c == null) {
      return (long) SINGLE.getAndAdd(this, delta) + delta;
    }
    // Thread ids are handed out in sequence, so the threads of a pool fall on different stripes.
    // The id only picks the stripe: whether the caller owns it is asked of the thread itself.
    Thread t = Thread.currentThread();
    int s = (int) t.getId() & mask;
    int at = offset + s * stride;
    Object o = OWNER.getAcquire(owners, s);
    if (o == null || ((WeakReference<?>) o).get() != t) {
      return addNotOwned(c, s, at, t, delta);
    }
    // The only writer of this part: a plain read of its own last store, an ordered store (a
    // plain store on x86), no locked instruction.
    long v = (long) CELL.getOpaque(c, at + OWNED) + delta;
    CELL.setRelease(c, at + OWNED, v);
    return v + (long) CELL.getVolatile(c, at + SHARED) - (long) CELL.getOpaque(base, at);
  }

  /**
   * {@link #add} of a view: writes nothing, reads the caller's stripe of the source (the one stripe
   * of a one-stripe source). Apart from the counter's own adds, so that a JIT that sees both (the
   * meter's cost is a view, its call count is not) compiles {@link #add} small enough to inline
   * into its callers: with this path in it, it was compiled past that size when both ran, and
   * every add was then a real call (issue 19).
   */
  private long addToView(long delta) {
    if (cells == null) {
      // One stripe: the source's value, then the base (as before this path had a method of its
      // own). The meter compares this value with its thresholds as it is, so a reset between the
      // reads makes it low (the crossing is seen at the next add), never the ended bucket's spend
      // added to the new one's, judged against the ended bucket's thresholds.
      return source.single - (long) CELL.getVolatile(base, 0) + delta;
    }
    int at = offset + ((int) Thread.currentThread().getId() & mask) * stride;
    // Stripes: the base before the stripe, as get() reads them (and as this path did before it had
    // a method of its own). The value only decides whether the sum is read (mayReach, then
    // getAfterAdd): a reset between the reads makes it high, so the sum is read. Read the other
    // way round, that reset subtracted adds this read had not counted, and the add answered below
    // its own amount (a sum that only grows, hundreds of thousands below zero in a test), so that
    // the sum was not read.
    long b = (long) CELL.getVolatile(base, at);
    return read(at) - b + delta;
  }

  /**
   * {@link #add} by a thread that does not own its stripe (yet): a claim of a stripe no thread
   * owns, or an atomic add to the stripe's shared part. Apart to keep {@link #add} small enough
   * to inline into its callers.
   */
  private long addNotOwned(long[] c, int s, int at, Thread t, long delta) {
    long b = (long) CELL.getOpaque(base, at);
    Object o = OWNER.getAcquire(owners, s);
    if ((o == null || ended((WeakReference<?>) o)) && OWNER.compareAndSet(owners, s, o, new WeakReference<>(t))) {
      // This thread owns the stripe from now on. Its first add to its part is atomic, so that it
      // continues from the part's latest value (an ended owner's last add); later ones are plain.
      long v = (long) CELL.getAndAdd(c, at + OWNED, delta) + delta;
      return v + (long) CELL.getVolatile(c, at + SHARED) - b;
    }
    return (long) CELL.getAndAdd(c, at + SHARED, delta) + delta + (long) CELL.getVolatile(c, at + OWNED) - b;
  }

  /**
   * Whether a stripe's owner has ended (or was collected), so that another thread may take the
   * stripe over: threads that start later (a new pool, a thread per task) would otherwise add
   * atomically for the counter's life on stripes ended threads own. Asked with {@link
   * Thread#isAlive()} only, which is final and makes the owner's last add happen-before the new
   * owner's (JLS 17.4.4), and costs about half a nanosecond on JDK 17 and 25 (a field read); not
   * {@link Thread#getState()}, which is not final (an owner's override ran in other threads' adds)
   * and on JDK 21+ takes a lock for a running virtual thread.
   */
  private static boolean ended(WeakReference<?> ref) {
    Thread owner = (Thread) ref.get();
    return owner == null || !owner.isAlive();
  }

  /**
   * Whether {@code thread} owns the stripe its id picks (for tests).
   *
   * @param thread a thread
   * @return whether it adds to that stripe with plain stores
   */
  boolean owns(Thread thread) {
    if (owners == null) {
      return false;
    }
    Object o = OWNER.getAcquire(owners, (int) thread.getId() & mask);
    return o != null && ((WeakReference<?>) o).get() == thread;
  }

  /**
   * Whether the caller should compare the sum with {@code threshold}, judged from the value
   * {@link #add} returned: when the sum reaches the threshold, at least one stripe holds
   * {@code threshold / stripes} of it, and every add to such a stripe answers {@code true}. A
   * crossing made by adds to small stripes is therefore seen at the latest when one of them grows
   * to that share (a delay of at most {@code threshold / stripes} per other thread, and none with
   * one thread). With one stripe this is the exact comparison.
   *
   * @param stripeValue what {@link #add} returned
   * @param threshold the threshold
   * @return whether the caller should compare the sum
   */
  public boolean mayReach(long stripeValue, long threshold) {
    return stripeValue >= (threshold >> shift);
  }

  /**
   * Returns the sum of the stripes (not a snapshot: adds made while it reads may or may not count).
   *
   * @return the sum
   */
  public long get() {
    if (base == null) {
      return single;
    }
    long sum = 0;
    for (int i = 0, at = offset; i <= mask; i++, at += stride) {
      // The base before the stripe: a reset that moved it had read the stripe before, so the
      // stripe read after holds at least that (never below the base). Read the other way round,
      // a reset between the two reads subtracted adds this read had not counted.
      long b = (long) CELL.getVolatile(base, at);
      sum += read(at) - b;
    }
    return sum;
  }

  /**
   * Returns the sum right after the caller's {@link #add} of {@code added}: {@link #get()}, plus
   * {@code added} for a view (whose source's holder adds it afterwards).
   *
   * @param added what the caller's last {@link #add} added
   * @return the sum
   */
  public long getAfterAdd(long added) {
    return source == this ? get() : get() + added;
  }

  /**
   * Takes the sum out of the counter and leaves {@code newValue} in it, stripe by stripe: an add
   * that races with it lands either in the sum returned or in the new value, never in both or
   * neither. Must not run in two threads at once on a striped counter or a view (the meter calls
   * it under its roll lock).
   *
   * @param newValue the value to leave; a view leaves 0 whatever is given (it takes what its
   *     source gained, and its source keeps it)
   * @return the sum taken out
   */
  public long getAndSet(long newValue) {
    if (base == null) {
      return (long) SINGLE.getAndSet(this, newValue);
    }
    // One read per stripe: an add before it is in the sum, an add after it in the next one. The
    // stripes themselves are not written (an owner adds to its part with a plain store).
    long sum = 0;
    for (int i = 0, at = offset; i <= mask; i++, at += stride) {
      long v = read(at);
      sum += v - (long) CELL.getVolatile(base, at);
      CELL.setVolatile(base, at, i == 0 && source == this ? v - newValue : v);
    }
    return sum;
  }

  @Override
  public String toString() {
    return Long.toString(get());
  }
}
