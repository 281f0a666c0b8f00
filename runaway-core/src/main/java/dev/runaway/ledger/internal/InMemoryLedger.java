package dev.runaway.ledger.internal;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.stats.internal.StripedCounter;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory {@link BudgetLedger}: lock-free accounts of ring-buffer windows.
 *
 * <p><b>Keys are never refunded.</b> The account of a key is kept (strongly) for as long as any
 * of its windows holds spend or a reservation, whether or not the guard still keeps the key among
 * its {@code maxKeys}: a key evicted by the guard and seen again the same day gets its own
 * account back, with its spend. Empty accounts are let go (they lose nothing). Memory is
 * therefore about one account per key that spent within its longest window (a few hundred bytes
 * per window), on top of the guard's key cap.
 */
public final class InMemoryLedger implements BudgetLedger {

  /** Sweeps for empty pinned accounts run when the table has doubled since the last one. */
  private static final int MIN_SWEEP = 1024;

  private record KeyId(String service, String key) {}

  private final Ticker ticker;
  private final ConcurrentHashMap<KeyId, WeakReference<Account>> keyed = new ConcurrentHashMap<>();
  private final Pins pins = new Pins();
  private final Object sweepLock = new Object();
  private volatile int nextSweep = MIN_SWEEP;

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
    if (key == null) {
      return new Account(budgets, ticker);
    }
    Account[] out = new Account[1];
    keyed.compute(new KeyId(service, key), (id, ref) -> {
      Account existing = ref == null ? null : ref.get();
      if (existing != null && existing.budgets().equals(budgets)) {
        out[0] = existing;
        return ref;
      }
      out[0] = new Account(budgets, ticker, null, pins);
      return new WeakReference<>(out[0]);
    });
    if (keyed.size() >= nextSweep) {
      sweep();
    }
    return out[0];
  }

  /** Lets empty accounts go and forgets collected ones; amortised O(1) per new key. */
  private void sweep() {
    synchronized (sweepLock) {
      if (keyed.size() < nextSweep) {
        return;
      }
      pins.sweep(ticker.nanoTime());
      keyed.values().removeIf(ref -> ref.get() == null);
      nextSweep = Math.max(MIN_SWEEP, keyed.size() * 2);
    }
  }

  /**
   * Returns the counter of an account's committed spend since it was created (mod
   * 2<sup>64</sup>), for readers of recent spend that would otherwise count it a second time.
   *
   * @param account an account
   * @return the counter, or {@code null} when the account is not one of this ledger's (nor of the state file's)
   */
  public static StripedCounter spendCounter(LedgerAccount account) {
    return account instanceof Account ? ((Account) account).spend : null;
  }

  /** Keyed accounts kept pinned (holding spend), for tests. */
  int pinnedKeys() {
    return pins.size();
  }

  @Override
  public String toString() {
    return "BudgetLedger.inMemory()";
  }

  /** The budgets of one service or key. */
  static final class Account implements LedgerAccount {
    private final List<Budget> budgets;
    private final Window[] windows;
    /** Committed spend, shared by the windows (see {@link Window#spend}): one add per commit. */
    private final StripedCounter spend;
    /** Told when a window refuses (the state file saves an exhausted budget at once); or null. */
    private final Runnable onRefusal;
    /** Keeps this account while it holds spend (a key's); null for a service's own account. */
    private final Pins pins;
    /** Whether {@link #pins} holds this account; written under this object's monitor. */
    volatile boolean pinned;

    Account(List<Budget> budgets, Ticker ticker) {
      this(budgets, ticker, null, null);
    }

    Account(List<Budget> budgets, Ticker ticker, Runnable onRefusal, Pins pins) {
      this.onRefusal = onRefusal;
      this.pins = pins;
      this.budgets = List.copyOf(budgets);
      this.windows = new Window[budgets.size()];
      // A service's account (the one without pins) is charged by all its callers' threads at
      // once: padded counters and per-thread stripes of spend. A key's stays compact.
      boolean contended = pins == null;
      int stripes = contended ? Runtime.getRuntime().availableProcessors() : 1;
      PaddedLong[] counters = PaddedLong.group(budgets.size(), contended);
      this.spend = new StripedCounter(stripes);
      for (int i = 0; i < windows.length; i++) {
        Budget b = budgets.get(i);
        windows[i] = b.isCalendarDay()
            ? new CalendarDayWindow(b.limit().nanos(), ticker, b.zone().orElseThrow(), spend, counters[i])
            : new SlidingWindow(b.limit().nanos(), b.window().toNanos(), b.buckets(), spend, counters[i]);
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

    /** Whether every window is empty: no spend and no reservation left in it. */
    boolean isEmpty(long now) {
      for (Window w : windows) {
        w.roll(now);
        if (w.used.get() > 0) {
          return false;
        }
      }
      return true;
    }

    /** After spend or a reservation entered: keep this account while it holds it. */
    private void held() {
      if (pins != null && !pinned) {
        pins.pin(this);
      }
    }

    @Override
    public int tryReserve(long amount, long now) {
      Window[] ws = windows;
      for (int i = 0; i < ws.length; i++) {
        if (!ws[i].tryAcquire(amount, now)) {
          for (int j = 0; j < i; j++) {
            ws[j].addUsed(-amount);
          }
          if (onRefusal != null) {
            onRefusal.run();
          }
          return i;
        }
      }
      held();
      return ADMITTED;
    }

    @Override
    public void commit(long reserved, long actual, long now) {
      long delta = actual - reserved;
      for (Window w : windows) {
        if (delta != 0) {
          w.addUsed(delta);
        }
        // Before the add below: a window whose bucket of now has not opened yet would date the
        // spend in an older bucket.
        w.roll(now);
      }
      if (actual != 0) {
        // Once for every window, after their counters (used never under-counts). A saturated
        // window reads no more from the counter: its own counter no longer moves.
        spend.add(Window.bucketAmount(actual));
        held();
      }
    }

    @Override
    public void release(long reserved, long now) {
      if (reserved == 0) {
        return;
      }
      for (Window w : windows) {
        w.addUsed(-reserved);
      }
    }

    @Override
    public void record(long amount, long now) {
      for (Window w : windows) {
        w.roll(now);
        w.addUsed(amount);
      }
      if (amount != 0) {
        spend.add(Window.bucketAmount(amount));
        held();
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
