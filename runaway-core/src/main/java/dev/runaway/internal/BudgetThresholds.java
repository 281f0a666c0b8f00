package dev.runaway.internal;

import dev.runaway.Budget;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * The 80% and 100% alert levels of a list of budgets, shared by the guard ({@code ServiceRuntime})
 * and the monitor ({@code ServiceMonitor}) so both alert on the same figures with the same re-arming.
 *
 * <p>Each budget alerts once at 80% of its limit and once at 100%; after falling below 40% (half
 * the warning level) it is re-armed, so a budget that refills and fills again alerts again. The
 * 80% figure is computed in integer nano-dollars without overflow and rounds down.
 *
 * <p>Thread-safe and lock-free: the levels are an {@link AtomicIntegerArray} changed by CAS, so
 * among concurrent callers exactly one is told to raise each crossing.
 */
public final class BudgetThresholds {

  /** No alert raised since the budget was last below 40%. */
  static final int NONE = 0;
  /** The 80% alert was raised. */
  static final int WARNED = 1;
  /** The 100% alert was raised. */
  static final int EXHAUSTED = 2;

  private final long[] warnAt;
  private final long[] limit;
  private final AtomicIntegerArray level;
  /** 1 once a call larger than the whole budget was reported; separate from the 80%/100% levels. */
  private final AtomicIntegerArray oversized;

  /**
   * Creates the levels of the given budgets, all armed.
   *
   * @param budgets the budgets, in the order their indexes are used
   */
  public BudgetThresholds(List<Budget> budgets) {
    int n = budgets.size();
    warnAt = new long[n];
    limit = new long[n];
    level = new AtomicIntegerArray(n);
    oversized = new AtomicIntegerArray(n);
    for (int i = 0; i < n; i++) {
      long l = budgets.get(i).limit().nanos();
      limit[i] = l;
      warnAt[i] = eightyPercent(l);
    }
  }

  /**
   * Returns 80% of a limit in nano-dollars, rounded down, without the overflow of {@code l * 4}.
   *
   * @param limit the limit, not negative
   * @return 80% of it
   */
  static long eightyPercent(long limit) {
    return limit / 5 * 4 + (limit % 5) * 4 / 5;
  }

  /**
   * Returns how many budgets there are.
   *
   * @return the count
   */
  public int size() {
    return limit.length;
  }

  /**
   * Returns a budget's limit in nano-dollars.
   *
   * @param budget the budget's index
   * @return the limit
   */
  public long limit(int budget) {
    return limit[budget];
  }

  /**
   * Records a budget's current use and says which alert, if any, the caller must raise: 100 when
   * the limit is reached and the 100% alert was not raised yet, 80 when 80% is reached and no alert
   * was raised yet, 0 otherwise. A use below 40% re-arms both alerts.
   *
   * @param budget the budget's index
   * @param used its use in nano-dollars
   * @return 80, 100 or 0
   */
  public int crossed(int budget, long used) {
    // Called twice or more per guarded call: the common case (below the warning, nothing to
    // re-arm) is two compares and a read; the rest is apart so that this stays inlinable.
    long warn = warnAt[budget];
    if (used >= warn) {
      return raise(budget, used);
    }
    if (used < warn / 2 && level.get(budget) != NONE) {
      rearm(budget);
    }
    return 0;
  }

  /** At or above the warning: moves the level up once; the percent to alert, or 0. */
  private int raise(int budget, long used) {
    int target = used >= limit[budget] ? EXHAUSTED : WARNED;
    for (int current = level.get(budget); target > current; current = level.get(budget)) {
      if (level.compareAndSet(budget, current, target)) {
        return target == EXHAUSTED ? 100 : 80;
      }
    }
    return 0;
  }

  /** Below half the warning: the next crossing alerts again. */
  private void rearm(int budget) {
    int current = level.get(budget);
    if (current != NONE) {
      // A CAS, not a set: a caller that read a higher use concurrently may have just raised.
      level.compareAndSet(budget, current, NONE);
    }
  }

  /**
   * Returns which of a budget's alerts was raised since it was last armed: 100, 80 or 0 (none).
   *
   * @param budget the budget's index
   * @return 100, 80 or 0
   */
  public int raised(int budget) {
    int current = level.get(budget);
    return current == EXHAUSTED ? 100 : current == WARNED ? 80 : 0;
  }

  /**
   * Returns whether any budget has an alert raised since it was last armed (its next check may
   * re-arm it).
   *
   * @return whether {@link #raised} is not 0 for some budget
   */
  public boolean anyRaised() {
    for (int i = 0, n = level.length(); i < n; i++) {
      if (level.get(i) != NONE) {
        return true;
      }
    }
    return false;
  }

  /**
   * Marks a budget's alerts up to {@code percent} as already raised, as a restarted monitor
   * restores them from its state file: {@link #crossed} then alerts only a higher level, until the
   * budget re-arms. Never lowers the level.
   *
   * @param budget the budget's index
   * @param percent 100 or 80 ({@link #raised}); anything else marks nothing
   */
  public void restoreRaised(int budget, int percent) {
    int target = percent == 100 ? EXHAUSTED : percent == 80 ? WARNED : NONE;
    level.accumulateAndGet(budget, target, Math::max);
  }

  /**
   * Marks a budget as used up when a call was refused for it, and says whether the caller must
   * raise its 100% alert (it was not raised yet).
   *
   * @param budget the budget's index
   * @return whether to raise the 100% alert
   */
  public boolean markExhausted(int budget) {
    for (int current = level.get(budget); current < EXHAUSTED; current = level.get(budget)) {
      if (level.compareAndSet(budget, current, EXHAUSTED)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Marks that a call whose estimate alone is above a budget's limit was refused, and says whether
   * the caller must report it: once per budget for the life of these thresholds, since the
   * configuration, not the spend, is at fault and the next such call would only repeat it. The
   * 80%/100% levels are not touched: no money was spent.
   *
   * @param budget the budget's index
   * @return whether to raise the alert (the first such refusal)
   */
  public boolean markOversized(int budget) {
    return oversized.compareAndSet(budget, 0, 1);
  }
}
