package dev.runaway.ledger;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import java.util.List;

/**
 * Counts spend per (service, key, budget window) and admits or refuses reservations against it.
 *
 * <p>The guard asks for one {@link LedgerAccount} per service and one per key it sees, then calls
 * the account on every guarded call. The default is {@link #inMemory(Ticker)}; persistent and
 * distributed ledgers (a state file, Redis) implement the same SPI.
 *
 * <p><b>Invariant</b> every implementation must keep, under any number of threads: for each
 * window, admitted spend (committed spend plus outstanding reservations) never exceeds the limit
 * except by the sum over calls in flight of (actual cost - reserved estimate) when actual costs
 * exceed their estimates. With accurate estimates, never over the limit.
 *
 * <p><b>No refunds.</b> The guard asks again for the account of a key it had dropped (past its
 * {@code maxKeys}, idle expiry). An implementation must then return the spend that key still has
 * in its windows, never a fresh budget: the built-in ledgers keep a key's account while any
 * window holds spend (a shared ledger keeps it in its store). Counters never wrap: absurd amounts
 * saturate a window (it stays exhausted) rather than overflow.
 *
 * <p>Lifecycle: {@link #account} may be called concurrently; {@link #close()} is called once by
 * the guard that owns the ledger.
 */
public interface BudgetLedger extends AutoCloseable {

  /**
   * Returns the account holding the budgets of a service, or of one key of it.
   *
   * @param service the service
   * @param key the key, or {@code null} for the whole service
   * @param budgets the budgets, in order; the account reports refusals by index in this list
   * @return the account
   */
  LedgerAccount account(String service, String key, List<Budget> budgets);

  /** Flushes and releases resources; the default does nothing. */
  @Override
  default void close() {}

  /**
   * Returns a ledger that keeps everything in memory: lock-free, O(1) per call.
   *
   * @param ticker the source of time for window roll-over and calendar days
   * @return a new ledger
   */
  static BudgetLedger inMemory(Ticker ticker) {
    return new dev.runaway.ledger.internal.InMemoryLedger(ticker);
  }
}
