package dev.runaway.ledger.internal;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One budget window: a lock-free admission counter ({@link #used}: committed spend still in the
 * window plus outstanding reservations) and the record of when spend entered the window, so that
 * it can leave again.
 *
 * <p>Ordering rule that keeps {@code used} from ever under-counting: spend is added to
 * {@code used} before it is added to a bucket, and roll-over only subtracts what it takes out of
 * a bucket. Transient errors are therefore always over-counts (refusing, never admitting too much).
 */
abstract class Window {

  final long limit;
  final AtomicLong used = new AtomicLong();

  Window(long limit) {
    this.limit = limit;
  }

  /** Expires spend that has left the window as of {@code now}. Cheap when nothing is due. */
  abstract void roll(long now);

  /** Adds committed spend to the bucket of {@code now}; {@code used} was already charged. */
  abstract void addSpend(long amount, long now);

  /** Committed spend in the window. */
  abstract long spent(long now);

  /** Nanos until {@code amount} fits, 0 if now, -1 if never by roll-off alone. */
  abstract long nanosUntilRoom(long amount, long now);

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

  final boolean tryAcquire(long amount, long now) {
    roll(now);
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
