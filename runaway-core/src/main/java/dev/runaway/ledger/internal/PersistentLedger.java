package dev.runaway.ledger.internal;

import dev.runaway.internal.Checks;
import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

/**
 * The in-memory ledger plus a state file, so that a restarted process resumes the spend of its
 * budget windows: a crash-looping runaway does not get a fresh budget on every start.
 *
 * <p><b>Hot path.</b> Accounts are the in-memory ledger's lock-free rings, unchanged: nothing is
 * written on a guarded call. A flusher (every {@link #DEFAULT_FLUSH_INTERVAL} on an injected or
 * own scheduler, on {@link #close()} and at JVM shutdown) copies the rings' counters without a
 * lock and replaces the file atomically (temporary file, fsync, atomic rename) when it changed.
 *
 * <p><b>Loss bound.</b> A crash (SIGKILL, power cut) loses only what was reserved or committed
 * after the last completed flush: at most one flush interval of spend plus the time one write
 * takes. Reservations outstanding at a flush are saved as spend, so calls in flight at a crash
 * are counted at their estimate, never forgotten. A refusal (a budget ran out) triggers a flush
 * at once (at most one per 100 ms), so a process that dies right after restarts exhausted instead
 * of getting the last interval's spend again on every restart.
 *
 * <p><b>Restore.</b> Buckets are saved with wall-clock times, because monotonic clocks of two
 * processes are unrelated, and mapped onto the new process's ticker so that restored spend leaves
 * its window no earlier than it would have. Windows are matched by kind and length (or zone), not
 * by limit: raising a limit keeps the spend already made.
 *
 * <p><b>Failures.</b> A missing directory is created. A corrupt, unreadable or newer-format file
 * is reported once at WARN (naming the file and what to do), moved aside, and the guard starts
 * from empty windows; a file that cannot be written is reported once at WARN per episode (and at
 * INFO when writing works again) while the guard keeps counting in memory. A directory that
 * cannot be written (read-only, no permission for the lock file) is reported once; the spend
 * saved there is still restored, and new spend is kept in memory. Nothing of this throws into the
 * host application.
 *
 * <p><b>One process per directory.</b> The directory is locked while a ledger has it open. A new
 * process that finds it locked (a crash-looping service whose new instance starts before the old
 * one has exited) waits up to {@link #DEFAULT_LOCK_WAIT} (10 s; see {@link #open(Path, Ticker,
 * Duration)}) for the lock and then resumes the spend the old one saved on its way out. If the
 * lock is still held after the wait, {@link #open} throws {@link StateDirLockedException} and the
 * guard does not start: a second live process on the same file would otherwise start with a
 * fresh budget beside the first. Processes that must share one budget use a shared ledger
 * (runaway-redis).
 *
 * <p><b>Keys are never refunded.</b> A key's account is kept while any of its windows holds spend,
 * even after the guard dropped the key (its {@code maxKeys} or idle expiry) or the garbage
 * collector could otherwise take it: a key seen again gets its spend back, not a fresh budget.
 *
 * <p><b>Structure.</b> This class is the ledger: accounts, their windows, restore and the
 * snapshot of their spend. The file, its lock and the flusher are a {@link StateStore}; the
 * burn-rate baselines saved beside the spend are a {@link BaselineStore}.
 *
 * <p>Thread-safe.
 */
public final class PersistentLedger implements BudgetLedger {

  /** How often spend is written unless a caller says otherwise. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
  /**
   * How long a new guard waits for another process to release the state directory (an old
   * instance still exiting) before it refuses to start, unless a caller says otherwise.
   */
  public static final Duration DEFAULT_LOCK_WAIT = Duration.ofSeconds(10);
  /** The state file's name inside the state directory. */
  public static final String FILE_NAME = "runaway-guard.state";
  /** Where an unusable state file is moved, beside it. */
  public static final String BAD_SUFFIX = ".bad";
  /** The lock file a running guard holds inside the state directory. */
  public static final String LOCK_NAME = "runaway-guard.lock";
  /** The wall-clock/ticker offset is re-read only when it moves by more than this (clock steps). */
  private static final long RESYNC_NANOS = 1_000_000_000L;

  private record AccountId(String service, String key) {}

  /** Sweeps for empty pinned accounts run when the table has doubled since the last one. */
  private static final int MIN_SWEEP = 1024;
  /** Keeps keyed accounts that hold spend reachable (eviction by the guard never refunds). */
  private final Pins pins = new Pins();
  private volatile int nextSweep = MIN_SWEEP;

  private final Path file;
  private final Ticker ticker;
  private final boolean enabled;
  private final ConcurrentHashMap<AccountId, WeakReference<InMemoryLedger.Account>> live = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<AccountId, List<WindowState>> pending = new ConcurrentHashMap<>();
  private final Map<String, byte[]> restoredSections;
  private final Map<String, Supplier<byte[]>> sectionWriters = new ConcurrentHashMap<>();
  private final BaselineStore baselines = new BaselineStore();
  private final StateStore store;

  /** The state file's section that holds the burn-rate baselines. */
  static final String BASELINES_SECTION = BaselineStore.SECTION;

  /**
   * A refusal means a budget ran out: save that at once rather than at the next tick, so that a
   * process dying right after still restarts exhausted. At most one such flush per interval.
   */
  private final Runnable onRefusal = this::refused;
  // Guarded by the store's flush lock (snapshot runs only there).
  private long wallOffset = Long.MIN_VALUE;
  /** The ticker's reading at the last snapshot (guarded like {@link #wallOffset}). */
  private long snapshotTick;
  /** The {@link #wallOffset} the state file read at the start was written with, or MIN_VALUE. */
  private long savedOffset = Long.MIN_VALUE;
  /** The ticker's reading when that file was written. */
  private long savedTick;
  /** Whether the ticker runs on from the file's write (the same boot): see {@link #offsetAt}. */
  private final boolean sameBoot;
  /**
   * The smallest wall clock minus ticker with which saved spend is aged: the file's write read as
   * the start, so that no saved spend is younger than the start (see {@link #offsetAt}). The write,
   * not the newest bucket end: a daily budget's bucket ends up to 24 minutes after the write, and
   * taken as the start it aged an hourly window's spend by as much (review nu85).
   */
  private final long ageFloor;
  /** How old the clock stamp's ticker reading may grow while nothing else changes (an idle file's rewrite). */
  private static final long STAMP_STEP_NANOS = 10 * 60 * 1_000_000_000L;
  /** The ticker reading of the last exact stamp handed out (guarded like {@link #wallOffset}). */
  private long stampTick = Long.MIN_VALUE;

  /**
   * The state file's section holding the wall clock minus ticker its sliding windows' times were
   * written with, then the ticker's reading at the write (16 bytes).
   */
  static final String CLOCK_SECTION = "ledger-clock";

  private PersistentLedger(Path dir, Ticker ticker, ScheduledExecutorService scheduler, Duration interval,
      Duration lockWait) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.store = new StateStore(dir, lockWait);
    this.file = store.file();
    this.enabled = store.isEnabled();
    this.restoredSections = store.read(new StateStore.Loader() {
      @Override
      public void load(StateFile.Content content) throws StateFile.CorruptStateException {
        byte[] saved = content.sections().get(BASELINES_SECTION);
        if (saved != null) {
          baselines.decode(saved);
        }
        byte[] clock = content.sections().get(CLOCK_SECTION);
        if (clock != null && clock.length == 2 * Long.BYTES) {
          java.nio.ByteBuffer c = java.nio.ByteBuffer.wrap(clock);
          savedOffset = c.getLong();
          savedTick = c.getLong();
        }
        for (StateFile.AccountState a : content.accounts()) {
          pending.put(new AccountId(a.service(), a.key()), a.windows());
        }
      }

      @Override
      public void discard() {
        baselines.clearRestored();
        pending.clear();
        savedOffset = Long.MIN_VALUE;
      }
    });
    long startTick = ticker.nanoTime();
    // A ticker behind the write's reading started again since (a reboot, or another machine): it
    // says nothing about the time since the write.
    this.sameBoot = savedOffset != Long.MIN_VALUE && startTick - savedTick >= 0;
    this.ageFloor = savedOffset == Long.MIN_VALUE ? Long.MIN_VALUE : savedOffset + savedTick - startTick;
    store.start(scheduler, interval, new StateStore.Source() {
      @Override
      public List<StateFile.AccountState> accounts() {
        return snapshot();
      }

      @Override
      public Map<String, byte[]> sections() throws IOException {
        return PersistentLedger.this.sections();
      }

      @Override
      public Map<String, byte[]> stamps(boolean exact) {
        // The ticker's exact reading at every write, and a write of it alone once it is 10 minutes
        // old (an idle file is rewritten that often) or at the stop: a reading left at the last
        // change, or rounded down, made a reboot look like the same boot, and spend was held a
        // window past its own (reviews nu84, nu85).
        if (wallOffset == Long.MIN_VALUE) {
          return Map.of();
        }
        if (exact || stampTick == Long.MIN_VALUE || snapshotTick - stampTick >= STAMP_STEP_NANOS) {
          stampTick = snapshotTick;
        }
        return Map.of(CLOCK_SECTION,
            java.nio.ByteBuffer.allocate(2 * Long.BYTES).putLong(wallOffset).putLong(stampTick).array());
      }
    });
  }

  /**
   * Thrown by {@link PersistentLedger#open} when the state directory stays locked by another
   * running guard past the lock wait. Unlike every other state-file problem this one stops the
   * guard from starting: running beside the other process would give this one a fresh budget.
   */
  public static final class StateDirLockedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what holds the directory and what to do
     */
    public StateDirLockedException(String message) {
      super(message);
    }
  }

  /**
   * Opens the ledger kept in {@code dir}, restoring the spend saved there, flushing every
   * {@link #DEFAULT_FLUSH_INTERVAL} on a daemon thread of its own. Never throws for a bad
   * directory or file: those are logged and the ledger works in memory.
   *
   * @param dir the state directory; created if missing
   * @param ticker the guard's ticker
   * @return the ledger
   */
  public static PersistentLedger open(Path dir, Ticker ticker) {
    return open(dir, ticker, null, DEFAULT_FLUSH_INTERVAL);
  }

  /**
   * Opens the ledger kept in {@code dir} with the default flush interval on a daemon thread of
   * its own, waiting up to {@code lockWait} for another guard to release the directory.
   *
   * @param dir the state directory; created if missing
   * @param ticker the guard's ticker
   * @param lockWait how long to wait for another process's lock; not negative
   * @return the ledger
   * @throws StateDirLockedException if another running guard still holds {@code dir} after {@code lockWait}
   */
  public static PersistentLedger open(Path dir, Ticker ticker, Duration lockWait) {
    return open(dir, ticker, null, DEFAULT_FLUSH_INTERVAL, lockWait);
  }

  /**
   * Opens the ledger kept in {@code dir} with the flusher on a given scheduler.
   *
   * @param dir the state directory; created if missing
   * @param ticker the guard's ticker
   * @param scheduler runs the periodic flush; {@code null} for a daemon thread of the ledger's own
   *     (a given scheduler is not shut down by {@link #close()})
   * @param interval time between flushes; the crash loss bound
   * @return the ledger
   * @throws StateDirLockedException if another running guard still holds {@code dir} after
   *     {@link #DEFAULT_LOCK_WAIT}
   */
  public static PersistentLedger open(Path dir, Ticker ticker, ScheduledExecutorService scheduler, Duration interval) {
    return open(dir, ticker, scheduler, interval, DEFAULT_LOCK_WAIT);
  }

  /**
   * Opens the ledger kept in {@code dir} with the flusher on a given scheduler and a given wait
   * for another process's lock.
   *
   * @param dir the state directory; created if missing
   * @param ticker the guard's ticker
   * @param scheduler runs the periodic flush; {@code null} for a daemon thread of the ledger's own
   * @param interval time between flushes; the crash loss bound
   * @param lockWait how long to wait for another guard to release {@code dir}; not negative
   * @return the ledger
   * @throws StateDirLockedException if another running guard still holds {@code dir} after {@code lockWait}
   */
  public static PersistentLedger open(Path dir, Ticker ticker, ScheduledExecutorService scheduler, Duration interval,
      Duration lockWait) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(lockWait, "lockWait");
    Checks.positive(interval, "interval");
    if (lockWait.isNegative()) {
      throw new IllegalArgumentException("lockWait must not be negative, got " + lockWait);
    }
    return new PersistentLedger(dir, ticker, scheduler, interval, lockWait);
  }

  /**
   * Returns the state file.
   *
   * @return the path of the state file
   */
  public Path file() {
    return file;
  }

  /**
   * Whether spend is written to the state file (false when the directory was unusable or locked).
   *
   * @return whether this ledger persists
   */
  public boolean isPersistent() {
    return enabled;
  }

  @Override
  public LedgerAccount account(String service, String key, List<Budget> budgets) {
    AccountId id = new AccountId(service, key);
    InMemoryLedger.Account[] out = new InMemoryLedger.Account[1];
    Object[] claimed = new Object[1];
    live.compute(id, (k, ref) -> {
      InMemoryLedger.Account existing = ref == null ? null : ref.get();
      if (existing != null && existing.budgets().equals(budgets)) {
        // A key evicted by the guard and seen again keeps its spend: its account is pinned
        // while it holds any (see Pins), so eviction never refunds.
        out[0] = existing;
        return ref;
      }
      InMemoryLedger.Account created = new InMemoryLedger.Account(budgets, ticker, enabled ? onRefusal : null,
          key == null ? null : pins);
      // Claimed from the saved spend only once the account holding it is in the live map (below):
      // removed here, a flush reading the live accounts and then the saved spend could find the
      // key in neither, and the file it wrote lost the key's spend (review nu82).
      List<WindowState> saved = pending.get(k);
      if (saved != null) {
        claimed[0] = saved;
        restore(created, saved);
        if (key != null) {
          pins.pin(created); // restored spend did not pass the hot path; the next sweep unpins an empty one
        }
      }
      out[0] = created;
      return new WeakReference<>(created);
    });
    if (claimed[0] != null) {
      pending.remove(id, claimed[0]);
    }
    if (live.size() >= nextSweep) {
      sweep();
    }
    return out[0];
  }

  /** Lets empty keyed accounts go and forgets collected ones; amortised O(1) per new account. */
  private void sweep() {
    synchronized (pins) {
      if (live.size() < nextSweep) {
        return;
      }
      pins.sweep(ticker.nanoTime());
      live.entrySet().removeIf(e -> e.getValue().get() == null);
      nextSweep = Math.max(MIN_SWEEP, live.size() * 2);
    }
  }

  /**
   * The wall clock minus ticker with which saved sliding-window spend is aged at ticker reading
   * {@code now}, the wall clock then reading {@code wallNow}: on the same boot the smaller of the
   * one the file was written with and the current one, so the time since the write is the
   * ticker's, never more than the wall clock's; after a reboot the current one (the wall clock
   * alone, read at each use: a clock behind at the boot and corrected later ages the spend by the
   * correction); and never so small that saved spend is younger than the start (a wall clock
   * stepped back). As saved breakers are aged ({@code SavedBreakers}). Aged by the wall clock alone,
   * a wall clock stepped forwards on the same machine (an NTP correction) between two lives, or
   * before a saved key's first call, aged its spend by the step and gave it back (review nu82).
   */
  private long offsetAt(long now, long wallNow) {
    long current = wallNow - now;
    long base = sameBoot ? Math.min(savedOffset, current) : current;
    return Math.max(base, ageFloor);
  }

  private void restore(InMemoryLedger.Account account, List<WindowState> saved) {
    long now = ticker.nanoTime();
    long offset = offsetAt(now, epochNanos(ticker.instant()));
    List<Budget> budgets = account.budgets();
    for (int i = 0; i < budgets.size(); i++) {
      String spec = spec(budgets.get(i));
      for (WindowState w : saved) {
        if (w.spec().equals(spec)) {
          account.window(i).restore(w, now, offset);
          break;
        }
      }
    }
  }
  private void refused() {
    flushSoon();
  }

  /**
   * Writes the state file soon, off the caller's thread (at most one such write per 100 ms): for
   * a change that must survive a crash right after, such as a budget running out or a breaker
   * opening or being reset. Never blocks; does nothing when the ledger does not persist.
   */
  public void flushSoon() {
    if (enabled) {
      store.flushSoon(ticker.nanoTime());
    }
  }


  /**
   * Returns the bytes of a named section restored from the state file, for state kept beside the
   * ledger (burn-rate baselines).
   *
   * @param name the section's name
   * @return its bytes, or empty
   */
  public Optional<byte[]> restoredSection(String name) {
    byte[] b = restoredSections.get(name);
    return b == null ? Optional.empty() : Optional.of(b.clone());
  }

  /**
   * Returns the saved baseline of a service or key, once: a second call for the same one returns
   * empty.
   *
   * @param service the service
   * @param key the key, or {@code null}
   * @return the bytes saved by {@link #trackBaseline}'s export, or empty
   */
  public Optional<byte[]> restoredBaseline(String service, String key) {
    return baselines.claim(service, key);
  }

  /**
   * Saves a baseline with every write while its owner lives. The owner is held weakly (an evicted
   * key's meter may be collected); {@code export} runs on the flusher thread and must be cheap and
   * thread-safe. A later call for the same service and key replaces the earlier one.
   *
   * @param service the service
   * @param key the key, or {@code null}
   * @param owner what holds the baseline (a burn-rate meter)
   * @param export reads the owner's baseline as bytes, or {@code null} when there is none yet
   * @param <T> the owner's type
   */
  public <T> void trackBaseline(String service, String key, T owner, java.util.function.Function<? super T, byte[]> export) {
    if (!enabled) {
      return;
    }
    baselines.track(service, key, owner, export);
  }

  /**
   * Adds a named section to every write; {@code writer} runs on the flusher thread and must not
   * block.
   *
   * @param name the section's name; not {@code ledger}, {@code baselines} or {@code ledger-clock}
   * @param writer produces the section's current bytes
   */
  public void writeSection(String name, Supplier<byte[]> writer) {
    if (StateFile.LEDGER_SECTION.equals(name) || BASELINES_SECTION.equals(name) || CLOCK_SECTION.equals(name)) {
      throw new IllegalArgumentException("section name '" + name + "' is reserved for the ledger's own use");
    }
    sectionWriters.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(writer, "writer"));
  }

  /**
   * Writes the current spend to the state file if it changed since the last write. Called by the
   * flusher; safe to call from any thread. Never throws: a failure is logged once per episode.
   */
  public void flush() {
    store.flush();
  }

  /**
   * Whether the flush in progress is the last one (the ledger is closing, or the JVM is shutting
   * down): a section writer that keeps its bytes stable between periodic flushes (a file rewritten
   * with its backup and fsync only when something changed) can save its state as of now in it.
   *
   * @return whether the ledger is stopping
   */
  public boolean isStopping() {
    return store.isStopping();
  }

  /** The number of state-file writes so far (flushes whose bytes had changed), for tests. */
  long writes() {
    return store.writes();
  }

  private List<StateFile.AccountState> snapshot() {
    long now = ticker.nanoTime();
    long wallNow = epochNanos(ticker.instant());
    long offset = wallNow - now;
    if (wallOffset == Long.MIN_VALUE || Math.abs(offset - wallOffset) > RESYNC_NANOS) {
      wallOffset = offset;
    }
    snapshotTick = now;
    // The saved spend not yet claimed is read first, the live accounts after: a key's saved spend
    // leaves the first only once the account that restored it is in the second (see account), so
    // a key claimed during this read is in one of the two reads, or both (the live one is saved).
    Map<AccountId, List<WindowState>> unclaimed = new LinkedHashMap<>();
    long pendingOffset = offsetAt(now, wallNow);
    // Unclaimed spend is written in this file's terms (the clock section's offset), not in the
    // aging's, by a shift rounded up to whole seconds (held at most a second longer): the two
    // offsets drift apart by microseconds, and an exact shift rewrote an idle file at every flush (nu85).
    long shift = -Math.floorDiv(-(wallOffset - pendingOffset), RESYNC_NANOS) * RESYNC_NANOS;
    for (Map.Entry<AccountId, List<WindowState>> e : pending.entrySet()) {
      List<WindowState> kept = new ArrayList<>();
      for (WindowState w : e.getValue()) {
        // A sliding window's saved spend is aged as it is restored (offsetAt); a calendar day
        // follows the wall clock, as a running one does.
        WindowState p = w.pruned(w.kind() == WindowState.SLIDING ? now + pendingOffset : wallNow);
        if (p.size() > 0) {
          kept.add(p);
        }
      }
      if (kept.isEmpty()) {
        pending.remove(e.getKey(), e.getValue());
      } else {
        List<WindowState> written = new ArrayList<>(kept.size());
        for (WindowState w : kept) {
          written.add(w.shifted(shift));
        }
        unclaimed.put(e.getKey(), written);
      }
    }
    List<StateFile.AccountState> states = new ArrayList<>();
    for (Iterator<Map.Entry<AccountId, WeakReference<InMemoryLedger.Account>>> it = live.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<AccountId, WeakReference<InMemoryLedger.Account>> e = it.next();
      InMemoryLedger.Account a = e.getValue().get();
      if (a == null) {
        live.remove(e.getKey(), e.getValue());
        continue;
      }
      unclaimed.remove(e.getKey());
      // A lease is headroom set aside for this process's threads, not spend: never saved as spend
      // (given back, and none taken while the windows are read).
      List<WindowState> windows = a.withoutLeases(() -> {
        List<WindowState> read = new ArrayList<>(a.budgets().size());
        for (int i = 0; i < a.budgets().size(); i++) {
          read.add(a.window(i).export(now, wallOffset));
        }
        return read;
      });
      boolean any = windows.stream().anyMatch(w -> w.size() > 0);
      if (any) {
        states.add(new StateFile.AccountState(e.getKey().service(), e.getKey().key(), windows));
      }
    }
    // Saved spend of accounts not used since the start stays in the file until it leaves its window.
    for (Map.Entry<AccountId, List<WindowState>> e : unclaimed.entrySet()) {
      states.add(new StateFile.AccountState(e.getKey().service(), e.getKey().key(), e.getValue()));
    }
    return states;
  }

  private Map<String, byte[]> sections() throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (!baselines.isEmpty()) {
      out.put(BASELINES_SECTION, baselines.encode());
    }
    for (Map.Entry<String, Supplier<byte[]>> e : sectionWriters.entrySet()) {
      byte[] b = e.getValue().get();
      if (b != null) {
        out.put(e.getKey(), b);
      }
    }
    return out;
  }

  /**
   * Stops the flusher after a last flush and releases the state directory.
   */
  @Override
  public void close() {
    store.close();
  }

  @Override
  public String toString() {
    return "PersistentLedger[" + file + (enabled ? "" : ", in memory only") + "]";
  }

  /**
   * Names a budget's window as the state file does, whatever its limit: {@code day:<zone>} for a
   * calendar day, {@code sliding:<nanoseconds>} for a sliding window.
   *
   * @param b the budget
   * @return the window's name
   */
  public static String spec(Budget b) {
    return b.isCalendarDay() ? "day:" + b.zone().orElseThrow().getId() : "sliding:" + b.window().toNanos();
  }

  /**
   * Returns an instant as nanoseconds since the epoch.
   *
   * @param instant the instant
   * @return its nanoseconds since the epoch
   */
  public static long epochNanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

}
