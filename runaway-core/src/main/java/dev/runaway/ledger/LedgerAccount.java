package dev.runaway.ledger;

import dev.runaway.Budget;
import java.util.List;

/**
 * The budgets of one service or key, with their spend. Amounts are nano-dollars; times are
 * readings of the guard's {@link dev.runaway.Ticker#nanoTime()}.
 *
 * <p>Thread-safe. {@link #tryReserve}, {@link #commit}, {@link #release} and {@link #record} are
 * on the guard's hot path: implementations must not block on them (an in-memory implementation
 * should be lock-free and allocation-free).
 *
 * <p>Failures: a ledger that cannot decide should return {@link #UNAVAILABLE} from
 * {@link #tryReserve}. One that throws instead (any {@code RuntimeException}) is treated the same
 * way: the guard gives back what the admission already held (the key's reservation, the breakers'
 * trial calls), refuses the call with a {@link dev.runaway.LedgerUnavailableException} naming the
 * exception's class, and logs one WARN per service (the exception itself at DEBUG, as its message
 * may quote a connection string). An exception from {@link #commit} or {@link #release} is logged
 * the same way and does not reach the caller: the call has run, so its result (or its own
 * exception) is what the caller gets.
 */
public interface LedgerAccount {

  /** Returned by {@link #tryReserve} when every window admitted the amount. */
  int ADMITTED = -1;

  /**
   * Returned by {@link #tryReserve} when the ledger cannot decide because its store is
   * unavailable (a distributed ledger whose server does not answer, in a fail-closed mode): no
   * window refused, nothing was charged. The guard refuses the call with a
   * {@link dev.runaway.LedgerUnavailableException} carrying {@link #unavailableReason()}.
   */
  int UNAVAILABLE = -2;

  /**
   * Returns the budgets, in the order given when the account was created.
   *
   * @return the budgets
   */
  List<Budget> budgets();

  /**
   * Reserves {@code amount} in every window, or in none: either every window has room for it
   * and all are charged, or nothing is charged.
   *
   * @param amount the estimate; 0 is treated as the smallest amount, so an exhausted budget
   *     refuses even free calls
   * @param now the ticker's reading
   * @return {@link #ADMITTED}, the index of the first budget that refused, or
   *     {@link #UNAVAILABLE}
   */
  int tryReserve(long amount, long now);

  /**
   * Says why the last {@link #tryReserve} returned {@link #UNAVAILABLE}, for the refusal's message;
   * never contains a secret. The default suits ledgers that never return it.
   *
   * @return the reason, for people
   */
  default String unavailableReason() {
    return "the budget ledger is unavailable";
  }

  /**
   * Replaces a reservation with the real spend.
   *
   * @param reserved the amount reserved
   * @param actual the real cost
   * @param now the ticker's reading
   */
  void commit(long reserved, long actual, long now);

  /**
   * Releases a reservation without spending.
   *
   * @param reserved the amount reserved
   * @param now the ticker's reading
   */
  void release(long reserved, long now);

  /**
   * Records spend observed elsewhere, without asking; it may take a window past its limit.
   *
   * @param amount the spend
   * @param now the ticker's reading
   */
  void record(long amount, long now);

  /**
   * Returns what a budget's window holds: committed spend plus outstanding reservations,
   * including any headroom the ledger set aside for calls about to be made (the in-memory
   * ledger's per-thread leases, at most 0.1% of the limit; the Redis ledger's process leases).
   *
   * @param budget the budget's index
   * @param now the ticker's reading
   * @return nano-dollars
   */
  long used(int budget, long now);

  /**
   * Returns the committed spend in a budget's window, reservations excluded.
   *
   * @param budget the budget's index
   * @param now the ticker's reading
   * @return nano-dollars
   */
  long spent(int budget, long now);

  /**
   * Returns how long until enough spend rolls off a budget's window to admit {@code amount}.
   *
   * @param budget the budget's index
   * @param amount the amount to admit
   * @param now the ticker's reading
   * @return nanoseconds, 0 if it fits now, or -1 if it can never fit (amount above the limit,
   *     or room depends on reservations being released)
   */
  long nanosUntilRoom(int budget, long amount, long now);
}
