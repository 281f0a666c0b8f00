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
 *
 * <p><b>Leases.</b> A service's account is called by all its callers' threads at once. So that
 * they do not all write its windows' admission counters on every call, each thread takes budget
 * from every window in a chunk (a lease: {@value #LEASE_CALLS} calls of the amount that asked,
 * and all leases together at most 1/{@value #LEASE_SHARE} of each limit), then admits its calls
 * against its own lease. Leases stay exact where it matters: they are counted in every window
 * while held, so no window ever admits past its limit; they shrink and stop as a window nears its
 * limit; every lease is taken back before a call is refused, so a refusal means the budget has
 * no room, not that another thread holds it; and every lease is taken back once spend passes a
 * limit (a commit or a record past it, a refund put into a lease after that), so no call is
 * admitted from a lease past it. {@link LedgerAccount#used} therefore counts the leases held (at
 * most 0.1% of the limit: the 80% and 100% alerts may fire that much early); snapshots and the
 * state file, which report and save spend and calls in flight, take them back before they read.
 * Limits too small for a chunk of {@value #LEASE_CALLS} calls within that share (a $10 budget and
 * calls of $0.0001 or more on a two-core machine) and keys' accounts have no leases: every call is
 * checked against the windows.
 */
public final class InMemoryLedger implements BudgetLedger {

  /**
   * How many times {@link Account#withoutLeases} reads again when a release or refund put headroom
   * in a lease during its read.
   */
  private static final int READS_AGAIN = 3;
  /** A thread's lease of a service's budget is this many calls of the amount that asked for it. */
  static final int LEASE_CALLS = 64;
  /** How many times a refusal path takes the leases back and tries again before it refuses. */
  static final int RECLAIM_ATTEMPTS = 4;

  /**
   * {@link Account#reserveNoting}'s answer for an amount admitted from the caller's lease; not one
   * of {@link LedgerAccount}'s codes (never returned by {@code tryReserve}).
   */
  public static final int FROM_LEASE = Integer.MIN_VALUE;
  /** All leases of an account together hold at most this fraction (its inverse) of each limit. */
  static final long LEASE_SHARE = 1000;
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

  /**
   * Gives the headroom an account of this ledger leased to its callers' threads back to its
   * windows, so that what they hold is spend and calls in flight only (for snapshots; the threads
   * lease again on their next calls).
   *
   * @param account an account of this ledger, or one that wraps one ({@link HoldsLeases}); for
   *     any other, nothing happens
   */
  public static void reclaimLeases(LedgerAccount account) {
    if (account instanceof HoldsLeases) {
      ((HoldsLeases) account).reclaimLeases();
    }
  }

  /**
   * Runs {@code read} with the account's leases given back and no new one taken meanwhile
   * ({@link HoldsLeases#withoutLeases}); just runs it for an account without leases.
   *
   * @param account an account of this ledger, or one that wraps one; or any other account
   * @param read reads the account
   * @param <T> what it reads
   * @return what {@code read} returned
   */
  public static <T> T withoutLeases(LedgerAccount account, java.util.function.Supplier<T> read) {
    return account instanceof HoldsLeases ? ((HoldsLeases) account).withoutLeases(read) : read.get();
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
  public static final class Account implements LedgerAccount, HoldsLeases {
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
    /** Budget leased to the threads that call a service's account (see {@link Leases}); null for a key's. */
    private final Leases leases;
    /**
     * The most one thread's lease holds: all leases together stay within 1/{@value #LEASE_SHARE}
     * of every window's limit. 0 when the limits are too small for leases to help.
     */
    private final long leaseMax;
    /** The largest call admitted from a lease: {@link #leaseMax} / {@value #LEASE_CALLS}; 0 without leases. */
    private final long leaseCall;

    Account(List<Budget> budgets, Ticker ticker) {
      this(budgets, ticker, null, null);
    }

    Account(List<Budget> budgets, Ticker ticker, Runnable onRefusal, Pins pins) {
      this(budgets, ticker, onRefusal, pins, Runtime.getRuntime().availableProcessors());
    }

    /** @param processors the processor count the stripes and leases are sized for (tests vary it) */
    Account(List<Budget> budgets, Ticker ticker, Runnable onRefusal, Pins pins, int processors) {
      this.onRefusal = onRefusal;
      this.pins = pins;
      this.budgets = List.copyOf(budgets);
      this.windows = new Window[budgets.size()];
      // A service's account (the one without pins) is charged by all its callers' threads at
      // once: padded counters and per-thread stripes of spend. A key's stays compact.
      boolean contended = pins == null;
      int stripes = contended ? processors : 1;
      PaddedLong[] counters = PaddedLong.group(budgets.size(), contended);
      this.spend = new StripedCounter(stripes);
      Leases cells = contended ? new Leases(stripes) : null;
      long max = Long.MAX_VALUE;
      for (int i = 0; i < windows.length; i++) {
        Budget b = budgets.get(i);
        windows[i] = b.isCalendarDay()
            ? new CalendarDayWindow(b.limit().nanos(), ticker, b.zone().orElseThrow(), spend, counters[i])
            : new SlidingWindow(b.limit().nanos(), b.window().toNanos(), b.buckets(), spend, counters[i]);
        // Per cell, and there are more cells than processors unless their count is a power of two
        // (3 processors: 4 cells, which held 0.133% of the limit at 1/3 of the share each).
        max = cells == null ? 0 : Math.min(max, b.limit().nanos() / LEASE_SHARE / cells.stripes());
      }
      boolean leased = contended && windows.length > 0 && max >= 2 * LEASE_CALLS;
      this.leases = leased ? cells : null;
      this.leaseMax = leased ? max : 0;
      this.leaseCall = leaseMax / LEASE_CALLS;
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
      if (leases == null) {
        return reserveInWindows(amount, now);
      }
      int r = reserveNoting(amount, now);
      return r == FROM_LEASE ? ADMITTED : r;
    }

    /**
     * {@link #tryReserve} of an account without leases (a key's): its own method, so that the
     * keys' calls and the service's (which go through {@link #reserveNoting}) are compiled apart.
     * One method for both was compiled with both profiles, past the size the JIT inlines into a
     * caller that is already compiled, so a keyed call made it as a real call (issue 19).
     */
    private int reserveInWindows(long amount, long now) {
      return reserved(reserve(amount, now));
    }

    /** After a reservation in the windows: tells a refusal, or keeps the account while it holds one. */
    private int reserved(int refused) {
      if (refused != ADMITTED) {
        if (onRefusal != null) {
          onRefusal.run();
        }
        return refused;
      }
      held();
      return ADMITTED;
    }

    /**
     * {@link #tryReserve}, telling apart an amount taken from the caller's lease (no window moved):
     * {@link #FROM_LEASE} then, else what {@code tryReserve} returns. For the guard, whose 80%/100%
     * check has nothing new to see after a call that moved no window.
     *
     * @param amount the amount
     * @param now the ticker's reading
     * @return {@link #FROM_LEASE}, {@link #ADMITTED}, or the index of the window that refused
     */
    public int reserveNoting(long amount, long now) {
      Leases l = leases;
      if (l != null && amount > 0 && amount <= leaseCall) {
        if (l.take(amount)) {
          return FROM_LEASE;
        }
        if (lease(amount, now)) {
          return ADMITTED;
        }
      }
      int refused = reserve(amount, now);
      if (refused != ADMITTED && l != null) {
        refused = reserveAfterReclaim(l, refused, amount, now);
      }
      return reserved(refused);
    }

    /**
     * Refuses only for want of room in the budget itself, not in the threads' leases: takes every
     * lease back and tries again, while no thread leases anew (Leases.startReclaim waits for the
     * leases already begun), and again while taking back still finds leases (a few times at most).
     *
     * <p>The first try after the take-back is made even when it found nothing to take, and a
     * try that fails while another thread is taking the leases back is made again once that
     * thread has given them to the windows (if they could make the call fit): another thread's
     * refusal path or release can take every lease back at the same time (reclaimIfOver, while a
     * window stood past its limit during an optimistic add that did not fit), and a lease being
     * taken can be given back. Stopping on an empty take-back refused calls that fitted (1 of
     * 2,000 in one CI run; 11 of 300 runs of that test under load refused one), and so did
     * trying while the other take-back held the leases (49 of 2,000 in another CI run), or just
     * before it gave them back (no wait followed: nothing was in hand when this path looked).
     */
    private int reserveAfterReclaim(Leases l, int refused, long amount, long now) {
      l.startReclaim();
      try {
        boolean waited = false;
        boolean waitedOut = false;
        for (int attempt = 0; attempt < RECLAIM_ATTEMPTS; attempt++) {
          if (takeBackLeases() == 0 && attempt > 0 && !waited) {
            break;
          }
          long given = l.givenBack();
          refused = reserve(amount, now);
          if (refused == ADMITTED) {
            break;
          }
          Runnable hook = l.afterRefusedTry;
          if (hook != null) {
            hook.run();
          }
          // Waits, and tries again, only where what other take-backs held during the try could
          // make the call fit: a budget that is simply spent refuses at once, however many
          // threads are taking leases back. During the try, not only now: a take-back that gave
          // back just after the try was refused left the room free, and with nothing in hand
          // when this path looked, nothing tried it again. The shortfall is read first: what is
          // given back after it is counted in what was held.
          long lacking = shortfall(windows[refused], amount);
          long held = l.heldSince(given);
          // At most one wait that runs to its bound: not one per try (three in a row for a
          // take-back descheduled that long).
          waited = held != 0 && lacking <= held && attempt + 1 < RECLAIM_ATTEMPTS && !waitedOut;
          if (waited) {
            waitedOut = !l.awaitGiveBacks();
          }
        }
        return refused;
      } finally {
        l.endReclaim();
      }
    }

    /** How much more room than {@code w} has now a reservation of {@code amount} needs (0 if none). */
    private static long shortfall(Window w, long amount) {
      long u = w.used.get();
      if (amount > w.limit) {
        return Long.MAX_VALUE;
      }
      return u > w.limit - amount ? u - (w.limit - amount) : 0;
    }

    /** Reserves {@code amount} in every window, or in none: the index of the window that refused, else ADMITTED. */
    private int reserve(long amount, long now) {
      Window[] ws = windows;
      for (int i = 0; i < ws.length; i++) {
        if (!ws[i].tryAcquire(amount, now)) {
          for (int j = 0; j < i; j++) {
            ws[j].addUsed(-amount);
          }
          return i;
        }
      }
      return ADMITTED;
    }

    /**
     * Takes a new lease for the caller's thread from every window and {@code amount} from it: a
     * chunk of {@value #LEASE_CALLS} such amounts, at most {@link #leaseMax}, and at most an
     * eighth of each window's room per thread, so that near the limit leases shrink and then
     * stop (every call is then checked against the windows themselves).
     *
     * @return false if no lease was taken (the caller reserves in the windows)
     */
    private boolean lease(long amount, long now) {
      // Between beginLease and endLease a refusal path waits (Leases.startReclaim): the chunk is
      // in this thread's cell, or given back, before that path takes the leases back.
      if (!leases.beginLease()) {
        return false;
      }
      try {
        long chunk = Math.min(leaseMax, amount * LEASE_CALLS);
        int share = 8 * leases.stripes();
        for (Window w : windows) {
          w.roll(now);
          chunk = Math.min(chunk, (w.limit - w.used.get()) / share);
        }
        if (chunk < 2 * amount || reserve(chunk, now) != ADMITTED) {
          return false;
        }
        // Capped like any refill of a lease: threads of one cell that found it empty at once each
        // took a chunk, and their cell held up to twice the most a lease may hold (one processor:
        // 0.197% of the limit). What does not fit goes back; this call keeps its amount.
        if (!leases.put(chunk - amount, leaseMax)) {
          giveBack(chunk - amount);
        }
        return true;
      } finally {
        leases.endLease();
      }
    }

    /** Gives back to every window what was reserved or leased there (tests emulate a take-back with it). */
    void giveBack(long amount) {
      for (Window w : windows) {
        w.addUsed(-amount);
      }
    }

    /**
     * Gives every thread's lease back to the windows: before the state file reads them (a lease
     * is not spend to save) and before reporting when there will be room.
     */
    @Override
    public void reclaimLeases() {
      takeBackLeases();
    }

    @Override
    public <T> T withoutLeases(java.util.function.Supplier<T> read) {
      Leases l = leases;
      if (l == null) {
        return read.get();
      }
      // As a refusal path: no new lease until the read is done (leases begun before wait here).
      l.startReclaim();
      try {
        takeBackLeases();
        T result = read.get();
        // A call's release or refund still puts headroom in its thread's lease (only new leases
        // wait), which a read counts as used: read again while a take-back after the read finds
        // some, a few times at most. What is left is counted high (as a call in flight), never low.
        for (int i = 0; i < READS_AGAIN && takeBackLeases() != 0; i++) {
          result = read.get();
        }
        return result;
      } finally {
        l.endReclaim();
      }
    }

    /** {@link #reclaimLeases}, returning what the leases held (0 without leases). */
    private long takeBackLeases() {
      Leases l = leases;
      if (l == null) {
        return 0;
      }
      // Counted in hand while the leases taken back are in neither a cell nor the windows' room:
      // a refusal path waits for them (Leases.awaitGiveBacks).
      long back = l.drain();
      if (back != 0) {
        giveBack(back);
        l.gaveBack(back);
      }
      return back;
    }

    /**
     * Gives the leases back when a window is past its limit: headroom counted in a window that no
     * longer has room is no room to admit calls from. Called after a lease grew or spend went past
     * a limit; a lease put in after another thread's drain sees that thread's spend here.
     */
    private void reclaimIfOver() {
      for (Window w : windows) {
        if (w.used.get() > w.limit) {
          reclaimLeases();
          return;
        }
      }
    }

    /** The threads' leases, for tests; null without leases. */
    Leases leases() {
      return leases;
    }

    /** What the threads' leases hold now, for tests. */
    long leased() {
      return leases == null ? 0 : leases.held();
    }

    @Override
    public void commit(long reserved, long actual, long now) {
      if (leases == null) {
        commitToWindows(reserved, actual, now);
      } else {
        commitNoting(reserved, actual, now);
      }
    }

    /**
     * {@link #commit} of an account without leases (a key's), compiled apart from the service's
     * {@link #commitNoting} as {@link #reserveInWindows} is: the same steps without a lease.
     */
    private void commitToWindows(long reserved, long actual, long now) {
      long delta = actual - reserved;
      if (delta != 0) {
        for (Window w : windows) {
          w.addUsed(delta);
        }
      }
      spent(actual, now);
    }

    /**
     * {@link #commit}, telling whether it added to a window's use (a cost above the reservation
     * not settled from the caller's lease): a commit that did not can take no budget past its 80%
     * or 100% level.
     *
     * @param reserved what was reserved
     * @param actual the real cost
     * @param now the ticker's reading
     * @return whether a window's use grew
     */
    public boolean commitNoting(long reserved, long actual, long now) {
      long delta = actual - reserved;
      Leases l = leases;
      boolean grew = false;
      if (delta != 0) {
        // The difference is settled with the caller's lease where it can be (a cost extractor's
        // call differs from its estimate on every call), else with the windows.
        // Only a call of a size that leases puts its refund into one: a larger call's would be
        // headroom no call of its size takes (a $10 budget's $0.001 calls stranded up to 0.1% of
        // it there, counted as used, until a refusal or a snapshot took it back).
        boolean settled = l != null
            && (delta > 0 ? l.take(delta) : reserved <= leaseCall && l.put(-delta, leaseMax));
        if (!settled) {
          for (Window w : windows) {
            w.addUsed(delta);
          }
          grew = delta > 0;
        }
        if (l != null && (settled ? delta < 0 : delta > 0)) {
          // A call cost more than its budget had left: the leases' headroom is gone too, and
          // the next calls are refused by the windows, not admitted from a lease. Likewise a
          // refund put into a lease while a window is past its limit is no room to admit from.
          reclaimIfOver();
        }
      }
      spent(actual, now);
      return grew;
    }

    /** The last step of a commit, after the windows' counters took its difference: dates and adds its spend. */
    private void spent(long actual, long now) {
      for (Window w : windows) {
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
      // As a refund: only a call of a size that leases gives its reservation back to a lease.
      if (leases == null || reserved > leaseCall || !leases.put(reserved, leaseMax)) {
        giveBack(reserved);
      } else {
        // A reservation given back after a window went past its limit (another call cost more
        // than was left, a record) must not be admitted from: the budget has no room for it.
        reclaimIfOver();
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
      if (leases != null && amount > 0) {
        // Spend made outside the calls took a window past its limit: as after a commit past it,
        // the next calls are refused by the windows, not admitted from the leases.
        reclaimIfOver();
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
      reclaimLeases();
      return windows[budget].nanosUntilRoom(amount, now);
    }
  }
}
