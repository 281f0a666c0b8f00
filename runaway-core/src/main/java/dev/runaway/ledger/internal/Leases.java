package dev.runaway.ledger.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Budget leased to threads: headroom an account took from all its windows at once, in chunks,
 * held in one padded cell per stripe (by thread id), so that a thread admits most calls against
 * its own cell instead of the admission counters every thread of the service writes.
 *
 * <p>A lease is counted in every window's admission counter while it is held (exactly as an
 * outstanding reservation is), so the windows never admit more than their limits: a lease only
 * moves where the check happens. What a lease costs is headroom other threads cannot use while it
 * is held; the account therefore bounds the chunks (see {@code InMemoryLedger.Account}) and
 * {@linkplain #drain() takes every lease back} before it refuses a call, so a refusal means the
 * budget itself has no room.
 *
 * <p>Thread-safe and lock-free; no allocation after construction. Two threads on one stripe
 * share its cell correctly (compare-and-set), only more slowly.
 */
final class Leases {

  /** Longs between two cells: 128 bytes (the adjacent-line prefetcher pairs lines). */
  private static final int STRIDE = 16;
  private static final VarHandle CELL = MethodHandles.arrayElementVarHandle(long[].class);

  private final long[] cells;
  private final int mask;
  /** Refusal paths taking the leases back right now; while any runs, no new lease is taken. */
  private final AtomicInteger reclaiming = new AtomicInteger();
  /** Threads between {@link #beginLease} and {@link #endLease}: taking a new lease right now. */
  private final AtomicInteger leasing = new AtomicInteger();
  /**
   * What take-backs in progress hold: taken from the cells ({@link #drain}) and not yet given back
   * to the windows ({@link #gaveBack}). Counted before it leaves a cell, so never less than that.
   */
  private final AtomicLong inHand = new AtomicLong();
  /**
   * All that take-backs have given back so far (mod 2<sup>64</sup>), added before {@link #inHand}
   * loses it: with it, a refusal path sees what was in hand at any time during its try, not only
   * when it looks ({@link #heldSince}).
   */
  private final AtomicLong givenBack = new AtomicLong();
  /** Run by a refusal path after a try that was refused (tests stop it there); null otherwise. */
  volatile Runnable afterRefusedTry;
  /** See {@link #drainWaits()}. */
  private final AtomicLong drainWaits = new AtomicLong();

  /**
   * Creates empty leases.
   *
   * @param stripes the number of cells, rounded up to a power of two (at least 1, at most 64)
   */
  Leases(int stripes) {
    int n = Integer.highestOneBit(Math.max(1, Math.min(64, stripes)) * 2 - 1);
    this.mask = n - 1;
    this.cells = new long[STRIDE * (n + 1)];
  }

  /** The number of cells. */
  int stripes() {
    return mask + 1;
  }

  private int index() {
    return STRIDE + ((int) Thread.currentThread().getId() & mask) * STRIDE;
  }

  /**
   * Takes {@code amount} from the caller's lease if it holds that much.
   *
   * @param amount positive
   * @return whether it was taken
   */
  boolean take(long amount) {
    int at = index();
    long v = (long) CELL.getVolatile(cells, at);
    while (v >= amount) {
      long seen = (long) CELL.compareAndExchange(cells, at, v, v - amount);
      if (seen == v) {
        return true;
      }
      v = seen;
    }
    return false;
  }

  /**
   * Adds to the caller's lease, unless it would then hold more than {@code cap}.
   *
   * @param amount positive, already counted in the windows
   * @param cap the most a lease may hold
   * @return whether it was added (else the caller gives it back to the windows)
   */
  boolean put(long amount, long cap) {
    int at = index();
    long v = (long) CELL.getVolatile(cells, at);
    while (v <= cap - amount) {
      long seen = (long) CELL.compareAndExchange(cells, at, v, v + amount);
      if (seen == v) {
        return true;
      }
      v = seen;
    }
    return false;
  }

  /**
   * Takes every lease back. What it returns is counted {@linkplain #inHand() in hand} until the
   * caller, having given it back to the windows, calls {@link #gaveBack}.
   *
   * @return what they held, for the caller to give back to the windows
   */
  long drain() {
    long sum = 0;
    for (int i = 0, at = STRIDE; i <= mask; i++, at += STRIDE) {
      long v = (long) CELL.getVolatile(cells, at);
      while (v != 0) {
        // Counted in hand before it leaves the cell: a refusal path never sees it in neither.
        inHand.addAndGet(v);
        long seen = (long) CELL.compareAndExchange(cells, at, v, 0L);
        if (seen == v) {
          sum += v;
          break;
        }
        inHand.addAndGet(-v);
        v = seen;
      }
    }
    return sum;
  }

  /**
   * Marks what a {@link #drain} returned as given back to the windows.
   *
   * @param amount what the drain returned
   */
  void gaveBack(long amount) {
    if (amount != 0) {
      givenBack.addAndGet(amount);
      inHand.addAndGet(-amount);
    }
  }

  /** All that take-backs have given back so far, for {@link #heldSince}. */
  long givenBack() {
    return givenBack.get();
  }

  /**
   * The most take-backs held at some time since {@link #givenBack} read {@code given}: what they
   * hold now and what they have given back since. Read in that order ({@link #gaveBack} writes in
   * the other), so that what is given back in between is counted (twice, at worst).
   *
   * @param given what {@link #givenBack} returned before
   */
  long heldSince(long given) {
    long now = inHand.get();
    return now + (givenBack.get() - given);
  }

  /** What take-backs in progress hold: drained from the cells, not yet given back to the windows. */
  long inHand() {
    return inHand.get();
  }

  /**
   * Marks the start of a refusal path that takes every lease back to see whether the call fits:
   * until {@link #endReclaim}, threads that run out of lease reserve each call in the windows
   * instead of leasing again, so that the room taken back is not leased away before the call that
   * needed it is tried again.
   */
  void startReclaim() {
    reclaiming.incrementAndGet();
    // A thread that began leasing before this saw no refusal path: wait for it to put its chunk in
    // its cell (or give it back), so that the drain that follows finds every lease. Without the
    // wait, a thread descheduled between reserving a chunk and putting it away held that room out
    // of every cell for the whole refusal path (under load, 1,214 of 2,000 calls that fitted were
    // refused in one run). New leases wait for endReclaim: the wait is the few instructions of
    // the leases already begun.
    awaitZero(leasing);
  }

  /**
   * Waits until take-backs in progress have given what they hold back to the windows. Another
   * thread's refusal path or release can take every lease back while this one tries a call;
   * descheduled between its drain and its give-back, it held that room out of the cells and the
   * windows both, and a refusal path that found the cells empty refused calls that fitted (49 of
   * 2,000 in one CI run) until that thread ran again. The wait is that thread's few remaining
   * instructions (a take-back never waits for anything) or its time off the processor; bounded
   * all the same, at {@value #DRAIN_WAIT_ROUNDS} rounds (spins, then yields: 150 to 170 ms on a
   * loaded 2-core machine), so that take-backs that keep starting cannot hold a refusal.
   *
   * @return false if take-backs still held leases when the wait ended
   */
  boolean awaitGiveBacks() {
    drainWaits.incrementAndGet();
    for (int spins = 0; spins < drainWaitRounds; spins++) {
      if (inHand.get() == 0) {
        return true;
      }
      pause(spins);
    }
    return inHand.get() == 0;
  }

  /** How many times a refusal path has waited for take-backs in progress (for tests). */
  long drainWaits() {
    return drainWaits.get();
  }

  /** The most rounds (spins, then yields) {@link #awaitGiveBacks} waits. */
  static final int DRAIN_WAIT_ROUNDS = 100_000;

  /**
   * {@link #DRAIN_WAIT_ROUNDS}, which a test that holds a take-back until a refusal path waits
   * for it raises (set before that path's thread starts): 100,000 rounds took 150 to 170 ms on a
   * loaded 2-core machine, and a test thread off the processor that long failed such a test.
   */
  int drainWaitRounds = DRAIN_WAIT_ROUNDS;

  private static void awaitZero(AtomicInteger count) {
    for (int spins = 0; count.get() != 0; spins++) {
      pause(spins);
    }
  }

  private static void pause(int spins) {
    if (spins < 64) {
      Thread.onSpinWait();
    } else {
      Thread.yield();
    }
  }

  /**
   * Marks the start of taking a new lease: false (nothing begun) while a refusal path runs, else
   * {@link #endLease} must follow once the chunk is in the caller's cell or given back.
   *
   * @return whether the caller may lease
   */
  boolean beginLease() {
    leasing.incrementAndGet();
    // After the increment: a refusal path that started before it is seen here, and one that starts
    // after it waits for endLease (both are sequentially consistent atomics).
    if (reclaiming.get() != 0) {
      leasing.decrementAndGet();
      return false;
    }
    return true;
  }

  /** Marks the end of a lease begun with {@link #beginLease}. */
  void endLease() {
    leasing.decrementAndGet();
  }

  /** Marks the end of a refusal path begun with {@link #startReclaim}. */
  void endReclaim() {
    reclaiming.decrementAndGet();
  }

  /** What the leases hold now (racy: for tests and reports). */
  long held() {
    long sum = 0;
    for (int i = 0, at = STRIDE; i <= mask; i++, at += STRIDE) {
      sum += (long) CELL.getVolatile(cells, at);
    }
    return sum;
  }

  @Override
  public String toString() {
    return "Leases[" + held() + " nano-dollars]";
  }
}
