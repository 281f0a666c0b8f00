package dev.runaway.ledger.internal;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import java.util.List;
import java.util.Objects;

/** The in-memory {@link BudgetLedger}: lock-free accounts of ring-buffer windows. */
public final class InMemoryLedger implements BudgetLedger {

  private final Ticker ticker;

  /**
   * Creates a ledger.
   *
   * @param ticker the ticker for calendar days
   */
  public InMemoryLedger(Ticker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  @Override
  public LedgerAccount account(String service, String key, List<Budget> budgets) {
    return new Account(budgets, ticker);
  }

  @Override
  public String toString() {
    return "BudgetLedger.inMemory()";
  }

  /** The budgets of one service or key. */
  static final class Account implements LedgerAccount {
    private final List<Budget> budgets;
    private final Window[] windows;
    /** Told when a window refuses (the state file saves an exhausted budget at once); or null. */
    private final Runnable onRefusal;

    Account(List<Budget> budgets, Ticker ticker) {
      this(budgets, ticker, null);
    }

    Account(List<Budget> budgets, Ticker ticker, Runnable onRefusal) {
      this.onRefusal = onRefusal;
      this.budgets = List.copyOf(budgets);
      this.windows = new Window[budgets.size()];
      for (int i = 0; i < windows.length; i++) {
        Budget b = budgets.get(i);
        windows[i] = b.isCalendarDay()
            ? new CalendarDayWindow(b.limit().nanos(), ticker, b.zone().orElseThrow())
            : new SlidingWindow(b.limit().nanos(), b.window().toNanos(), b.buckets());
      }
    }

    @Override
    public List<Budget> budgets() {
      return budgets;
    }

    /** The window of budget {@code i}, for the state file. */
    Window window(int i) {
      return windows[i];
    }

    @Override
    public int tryReserve(long amount, long now) {
      Window[] ws = windows;
      for (int i = 0; i < ws.length; i++) {
        if (!ws[i].tryAcquire(amount, now)) {
          for (int j = 0; j < i; j++) {
            ws[j].used.addAndGet(-amount);
          }
          if (onRefusal != null) {
            onRefusal.run();
          }
          return i;
        }
      }
      return ADMITTED;
    }

    @Override
    public void commit(long reserved, long actual, long now) {
      long delta = actual - reserved;
      for (Window w : windows) {
        if (delta != 0) {
          w.used.addAndGet(delta);
        }
        if (actual != 0) {
          w.addSpend(actual, now);
        }
      }
    }

    @Override
    public void release(long reserved, long now) {
      if (reserved == 0) {
        return;
      }
      for (Window w : windows) {
        w.used.addAndGet(-reserved);
      }
    }

    @Override
    public void record(long amount, long now) {
      for (Window w : windows) {
        w.roll(now);
        w.used.addAndGet(amount);
        w.addSpend(amount, now);
      }
    }

    @Override
    public long used(int budget, long now) {
      Window w = windows[budget];
      w.roll(now);
      return w.used.get();
    }

    @Override
    public long spent(int budget, long now) {
      return windows[budget].spent(now);
    }

    @Override
    public long nanosUntilRoom(int budget, long amount, long now) {
      return windows[budget].nanosUntilRoom(amount, now);
    }
  }
}
