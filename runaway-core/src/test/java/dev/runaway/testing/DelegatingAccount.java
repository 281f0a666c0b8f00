package dev.runaway.testing;

import dev.runaway.Budget;
import dev.runaway.ledger.LedgerAccount;
import java.util.List;

/**
 * A {@link LedgerAccount} that hands every call to another account: a ledger of "another kind"
 * for the guard, and the base of tests' accounts that watch or interleave some calls.
 */
public class DelegatingAccount implements LedgerAccount {

  private final LedgerAccount delegate;

  /**
   * Wraps an account.
   *
   * @param delegate the account that does the work
   */
  public DelegatingAccount(LedgerAccount delegate) {
    this.delegate = delegate;
  }

  @Override
  public List<Budget> budgets() {
    return delegate.budgets();
  }

  @Override
  public int tryReserve(long amount, long now) {
    return delegate.tryReserve(amount, now);
  }

  @Override
  public void commit(long reserved, long actual, long now) {
    delegate.commit(reserved, actual, now);
  }

  @Override
  public void release(long reserved, long now) {
    delegate.release(reserved, now);
  }

  @Override
  public void record(long amount, long now) {
    delegate.record(amount, now);
  }

  @Override
  public long used(int budget, long now) {
    return delegate.used(budget, now);
  }

  @Override
  public long spent(int budget, long now) {
    return delegate.spent(budget, now);
  }

  @Override
  public long nanosUntilRoom(int budget, long amount, long now) {
    return delegate.nanosUntilRoom(budget, amount, now);
  }
}
