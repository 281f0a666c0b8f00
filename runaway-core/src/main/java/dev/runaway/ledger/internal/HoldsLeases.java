package dev.runaway.ledger.internal;

/**
 * An account that may hold budget leased to its callers' threads (the in-memory ledger's, or one
 * that wraps such an account, as the Redis ledger's fleet account does), so that snapshots can
 * have the leases given back before they read what is spent and held by calls in flight.
 */
public interface HoldsLeases {

  /** Gives every thread's lease back to the account's windows (the threads lease again on their next calls). */
  void reclaimLeases();
}
