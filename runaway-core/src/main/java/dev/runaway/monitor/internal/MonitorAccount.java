package dev.runaway.monitor.internal;

import dev.runaway.Budget;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import java.math.BigInteger;
import java.util.List;

/**
 * The account-wide budgets of one monitored service: one single-budget account per budget of
 * {@code cost_thresholds}, so that spend reported for a span longer than a budget's window can be
 * charged to that window in proportion (a daily figure seen for the first time must not fill the
 * hourly budget with a whole day's spend), while ordinary polls charge every window in full.
 *
 * <p>The monitor only records, never reserves: polled spend has already happened.
 *
 * <p>Thread-safe, like the accounts it holds.
 */
public final class MonitorAccount implements LedgerAccount {

  private final List<Budget> budgets;
  private final LedgerAccount[] parts;

  /**
   * Opens the accounts.
   *
   * @param ledger the monitor's own ledger, apart from any guard's
   * @param service the service
   * @param budgets its budgets
   */
  public MonitorAccount(BudgetLedger ledger, String service, List<Budget> budgets) {
    this.budgets = List.copyOf(budgets);
    this.parts = new LedgerAccount[this.budgets.size()];
    for (int i = 0; i < parts.length; i++) {
      parts[i] = ledger.account(service, null, List.of(this.budgets.get(i)));
    }
  }

  /**
   * Records spend that happened over a span: a window shorter than the span gets the share of
   * the amount that falls into a window's length (spend spread evenly over the span), every other
   * window the whole amount.
   *
   * @param amount the spend, nano-dollars, not negative
   * @param spanNanos how long the span was
   * @param now the ticker's reading
   */
  public void recordOver(long amount, long spanNanos, long now) {
    if (amount <= 0) {
      return;
    }
    for (int i = 0; i < parts.length; i++) {
      long window = budgets.get(i).window().toNanos();
      long share = amount;
      if (spanNanos > window && window > 0) {
        share = BigInteger.valueOf(amount).multiply(BigInteger.valueOf(window))
            .divide(BigInteger.valueOf(spanNanos)).longValueExact();
      }
      parts[i].record(share, now);
    }
  }

  @Override
  public List<Budget> budgets() {
    return budgets;
  }

  /**
   * Not supported: the monitor never reserves.
   *
   * @throws UnsupportedOperationException always
   */
  @Override
  public int tryReserve(long amount, long now) {
    throw new UnsupportedOperationException("the monitor only records spend that already happened");
  }

  @Override
  public void commit(long reserved, long actual, long now) {
    throw new UnsupportedOperationException("the monitor only records spend that already happened");
  }

  @Override
  public void release(long reserved, long now) {
    throw new UnsupportedOperationException("the monitor only records spend that already happened");
  }

  @Override
  public void record(long amount, long now) {
    recordOver(amount, 0, now);
  }

  @Override
  public long used(int budget, long now) {
    return parts[budget].used(0, now);
  }

  @Override
  public long spent(int budget, long now) {
    return parts[budget].spent(0, now);
  }

  @Override
  public long nanosUntilRoom(int budget, long amount, long now) {
    return parts[budget].nanosUntilRoom(0, amount, now);
  }
}
