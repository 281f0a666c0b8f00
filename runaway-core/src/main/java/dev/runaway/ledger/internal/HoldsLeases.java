package dev.runaway.ledger.internal;

import java.util.function.Supplier;

/**
 * An account that may hold budget leased to its callers' threads (the in-memory ledger's, or one
 * that wraps such an account, as the Redis ledger's fleet account does), so that snapshots can
 * have the leases given back before they read what is spent and held by calls in flight.
 */
public interface HoldsLeases {

  /** Gives every thread's lease back to the account's windows (the threads lease again on their next calls). */
  void reclaimLeases();

  /**
   * Gives every thread's lease back and runs {@code read} while no thread takes a new one (threads
   * that run out of lease meanwhile reserve each call in the windows), so that what it reads of
   * the windows is spend and calls in flight. With {@link #reclaimLeases} and then a read, a thread
   * could lease again in between: a state file saved that lease as spend (70 calls more than had
   * been made, in one run of four threads), and the next save, without it, went down. A call's
   * release or refund can still put headroom in a lease during the read: the read is then run
   * again (a few times at most; what is left is counted high, as a call in flight, never low).
   *
   * @param read reads the account's windows; may run more than once, so it must only read; keep
   *     it short (new leases wait for it)
   * @param <T> what it reads
   * @return what {@code read} returned
   */
  <T> T withoutLeases(Supplier<T> read);
}
