package dev.runaway.ledger.internal;

import dev.runaway.Budget;
import dev.runaway.Ticker;
import dev.runaway.ledger.BudgetLedger;
import dev.runaway.ledger.LedgerAccount;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * INFO when writing works again) while the guard keeps counting in memory. A state directory
 * locked by another process is reported once and this ledger stays in memory. Nothing here
 * throws into the host application.
 *
 * <p>Thread-safe.
 */
public final class PersistentLedger implements BudgetLedger {

  /** How often spend is written unless a caller says otherwise. */
  public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);
  /** The state file's name inside the state directory. */
  public static final String FILE_NAME = "runaway-guard.state";
  /** Where an unusable state file is moved, beside it. */
  public static final String BAD_SUFFIX = ".bad";
  static final String LOCK_NAME = "runaway-guard.lock";
  /** Refusal-triggered flushes are at least this far apart. */
  private static final long URGENT_SPACING_NANOS = 100_000_000L;
  /** The wall-clock/ticker offset is re-read only when it moves by more than this (clock steps). */
  private static final long RESYNC_NANOS = 1_000_000_000L;
  private static final Logger LOG = LoggerFactory.getLogger(PersistentLedger.class);

  private record AccountId(String service, String key) {}

  private final Path file;
  private final Ticker ticker;
  private final boolean enabled;
  private final ConcurrentHashMap<AccountId, WeakReference<InMemoryLedger.Account>> live = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<AccountId, List<WindowState>> pending = new ConcurrentHashMap<>();
  private final Map<String, byte[]> restoredSections;
  private final Map<String, Supplier<byte[]>> sectionWriters = new ConcurrentHashMap<>();
  /** Live baselines: the owner (a meter) held weakly, so that an evicted key's meter can go. */
  private final ConcurrentHashMap<AccountId, Tracked<?>> baselines = new ConcurrentHashMap<>();
  /** Restored baselines not claimed yet; written back until claimed, at most MAX_BASELINES in all. */
  private final ConcurrentHashMap<AccountId, byte[]> pendingBaselines = new ConcurrentHashMap<>();

  /** Most baselines kept in the file; past that, unclaimed restored ones are dropped first. */
  static final int MAX_BASELINES = 10_000;
  static final String BASELINES_SECTION = "baselines";

  private static final class Tracked<T> {
    final WeakReference<T> owner;
    final java.util.function.Function<? super T, byte[]> export;

    Tracked(T owner, java.util.function.Function<? super T, byte[]> export) {
      this.owner = new WeakReference<>(owner);
      this.export = export;
    }

    byte[] export() {
      T o = owner.get();
      return o == null ? null : export.apply(o);
    }
  }
  private final Object flushLock = new Object();
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final ScheduledFuture<?> task;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Thread shutdownHook;
  private volatile boolean closed;
  private final AtomicBoolean urgentQueued = new AtomicBoolean();
  /*
   * A refusal means a budget ran out: save that at once rather than at the next tick, so that a
   * process dying right after still restarts exhausted. At most one such flush per 100 ms.
   */
  private volatile long lastUrgentNanos = Long.MIN_VALUE;
  private final Runnable urgentFlush = () -> {
    urgentQueued.set(false);
    flush();
  };
  /**
   * A refusal means a budget ran out: save that at once rather than at the next tick, so that a
   * process dying right after still restarts exhausted. At most one such flush per interval.
   */
  private final Runnable onRefusal = this::refused;
  // Guarded by flushLock.
  private long wallOffset = Long.MIN_VALUE;
  private byte[] lastWritten;
  private boolean failing;
  private boolean stopped;

  private PersistentLedger(Path dir, Ticker ticker, ScheduledExecutorService scheduler, Duration interval) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    this.file = dir.resolve(FILE_NAME);
    FileChannel channel = null;
    FileLock fileLock = null;
    boolean usable = true;
    try {
      Files.createDirectories(dir);
      channel = FileChannel.open(dir.resolve(LOCK_NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        fileLock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        fileLock = null;
      }
      if (fileLock == null) {
        usable = false;
        LOG.warn("State directory {} is in use by another guard (it holds {}); this guard keeps its spend in memory"
            + " only and it will not survive a restart. Give each process its own state_dir.", dir,
            dir.resolve(LOCK_NAME));
      }
    } catch (IOException | RuntimeException e) {
      usable = false;
      LOG.warn("State directory {} cannot be used ({}); spend is kept in memory only and will not survive a restart."
          + " Create the directory and make it writable by this process, or remove state_dir.", dir, e.toString());
    }
    if (!usable && channel != null) {
      closeQuietly(channel);
      channel = null;
    }
    this.enabled = usable;
    this.lockChannel = channel;
    this.lock = fileLock;
    this.restoredSections = usable ? readState() : Map.of();
    if (usable) {
      this.ownsScheduler = scheduler == null;
      this.scheduler = scheduler != null ? scheduler : Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "runaway-guard-state");
        t.setDaemon(true);
        return t;
      });
      long every = Math.max(1, interval.toNanos());
      this.task = this.scheduler.scheduleWithFixedDelay(this::flush, every, every, TimeUnit.NANOSECONDS);
      Thread hook = new Thread(this::flush, "runaway-guard-state-shutdown");
      Thread registered = hook;
      try {
        Runtime.getRuntime().addShutdownHook(hook);
      } catch (IllegalStateException | SecurityException e) {
        registered = null; // already shutting down
      }
      this.shutdownHook = registered;
    } else {
      this.ownsScheduler = false;
      this.scheduler = null;
      this.task = null;
      this.shutdownHook = null;
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
   * Opens the ledger kept in {@code dir} with the flusher on a given scheduler.
   *
   * @param dir the state directory; created if missing
   * @param ticker the guard's ticker
   * @param scheduler runs the periodic flush; {@code null} for a daemon thread of the ledger's own
   *     (a given scheduler is not shut down by {@link #close()})
   * @param interval time between flushes; the crash loss bound
   * @return the ledger
   */
  public static PersistentLedger open(Path dir, Ticker ticker, ScheduledExecutorService scheduler, Duration interval) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(interval, "interval");
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive, got " + interval);
    }
    return new PersistentLedger(dir, ticker, scheduler, interval);
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
    if (!enabled) {
      return new InMemoryLedger.Account(budgets, ticker);
    }
    AccountId id = new AccountId(service, key);
    InMemoryLedger.Account[] out = new InMemoryLedger.Account[1];
    live.compute(id, (k, ref) -> {
      InMemoryLedger.Account existing = ref == null ? null : ref.get();
      if (existing != null && existing.budgets().equals(budgets)) {
        // A key evicted by the guard and seen again keeps its spend while its account lives.
        out[0] = existing;
        return ref;
      }
      InMemoryLedger.Account created = new InMemoryLedger.Account(budgets, ticker, onRefusal);
      List<WindowState> saved = pending.remove(k);
      if (saved != null) {
        restore(created, saved);
      }
      out[0] = created;
      return new WeakReference<>(created);
    });
    return out[0];
  }

  private void restore(InMemoryLedger.Account account, List<WindowState> saved) {
    long now = ticker.nanoTime();
    long offset = epochNanos(ticker.instant()) - now;
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
    long now = ticker.nanoTime();
    long last = lastUrgentNanos;
    if ((last == Long.MIN_VALUE || now - last >= URGENT_SPACING_NANOS) && !closed
        && urgentQueued.compareAndSet(false, true)) {
      lastUrgentNanos = now;
      try {
        scheduler.execute(urgentFlush);
      } catch (RuntimeException e) {
        urgentQueued.set(false); // shutting down: the final flush saves it
      }
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
    return Optional.ofNullable(pendingBaselines.remove(new AccountId(service, key)));
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
    AccountId id = new AccountId(Objects.requireNonNull(service, "service"), key);
    pendingBaselines.remove(id);
    baselines.put(id, new Tracked<>(Objects.requireNonNull(owner, "owner"), Objects.requireNonNull(export, "export")));
  }

  /**
   * Adds a named section to every write; {@code writer} runs on the flusher thread and must not
   * block.
   *
   * @param name the section's name; not {@code ledger} or {@code baselines}
   * @param writer produces the section's current bytes
   */
  public void writeSection(String name, Supplier<byte[]> writer) {
    if (StateFile.LEDGER_SECTION.equals(name) || BASELINES_SECTION.equals(name)) {
      throw new IllegalArgumentException("section name '" + name + "' is reserved for the ledger's own use");
    }
    sectionWriters.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(writer, "writer"));
  }

  /**
   * Writes the current spend to the state file if it changed since the last write. Called by the
   * flusher; safe to call from any thread. Never throws: a failure is logged once per episode.
   */
  public void flush() {
    if (!enabled) {
      return;
    }
    synchronized (flushLock) {
      if (stopped) {
        return;
      }
      try {
        byte[] bytes = StateFile.encode(snapshot(), sections());
        if (Arrays.equals(bytes, lastWritten)) {
          return;
        }
        StateFile.writeAtomically(file, bytes);
        lastWritten = bytes;
        if (failing) {
          failing = false;
          LOG.info("State file {} is written again; spend survives restarts again", file);
        }
      } catch (Throwable t) {
        if (!failing) {
          failing = true;
          LOG.warn("Cannot write state file {} ({}); spend is kept in memory only and would not survive a restart"
              + " until this clears. Check that the directory exists, is writable by this process and has free"
              + " space.", file, t.toString());
        } else if (LOG.isDebugEnabled()) {
          LOG.debug("Still cannot write state file {}: {}", file, t.toString());
        }
      }
    }
  }

  private List<StateFile.AccountState> snapshot() {
    long now = ticker.nanoTime();
    long wallNow = epochNanos(ticker.instant());
    long offset = wallNow - now;
    if (wallOffset == Long.MIN_VALUE || Math.abs(offset - wallOffset) > RESYNC_NANOS) {
      wallOffset = offset;
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
      List<WindowState> windows = new ArrayList<>(a.budgets().size());
      boolean any = false;
      for (int i = 0; i < a.budgets().size(); i++) {
        WindowState w = a.window(i).export(now, wallOffset);
        any |= w.size() > 0;
        windows.add(w);
      }
      if (any) {
        states.add(new StateFile.AccountState(e.getKey().service(), e.getKey().key(), windows));
      }
    }
    // Saved spend of accounts not used since the start stays in the file until it leaves its window.
    for (Map.Entry<AccountId, List<WindowState>> e : pending.entrySet()) {
      List<WindowState> kept = new ArrayList<>();
      for (WindowState w : e.getValue()) {
        WindowState p = w.pruned(wallNow);
        if (p.size() > 0) {
          kept.add(p);
        }
      }
      if (kept.isEmpty()) {
        pending.remove(e.getKey(), e.getValue());
      } else {
        states.add(new StateFile.AccountState(e.getKey().service(), e.getKey().key(), kept));
      }
    }
    return states;
  }

  private Map<String, byte[]> sections() throws IOException {
    Map<String, byte[]> out = new LinkedHashMap<>();
    if (!baselines.isEmpty() || !pendingBaselines.isEmpty()) {
      out.put(BASELINES_SECTION, encodeBaselines());
    }
    for (Map.Entry<String, Supplier<byte[]>> e : sectionWriters.entrySet()) {
      byte[] b = e.getValue().get();
      if (b != null) {
        out.put(e.getKey(), b);
      }
    }
    return out;
  }

  private byte[] encodeBaselines() throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
    List<Map.Entry<AccountId, byte[]>> entries = new ArrayList<>();
    for (Iterator<Map.Entry<AccountId, Tracked<?>>> it = baselines.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<AccountId, Tracked<?>> e = it.next();
      byte[] b;
      try {
        b = e.getValue().export();
      } catch (RuntimeException ex) {
        LOG.debug("Exporting the baseline of {} failed: {}", e.getKey(), ex.toString());
        continue;
      }
      if (b == null && e.getValue().owner.get() == null) {
        baselines.remove(e.getKey(), e.getValue());
      } else if (b != null && entries.size() < MAX_BASELINES) {
        entries.add(Map.entry(e.getKey(), b));
      }
    }
    for (Map.Entry<AccountId, byte[]> e : pendingBaselines.entrySet()) {
      if (entries.size() >= MAX_BASELINES) {
        break;
      }
      entries.add(e);
    }
    int written = 0;
    java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
    java.io.DataOutputStream b = new java.io.DataOutputStream(body);
    for (Map.Entry<AccountId, byte[]> e : entries) {
      java.io.ByteArrayOutputStream one = new java.io.ByteArrayOutputStream();
      java.io.DataOutputStream o = new java.io.DataOutputStream(one);
      try {
        o.writeUTF(e.getKey().service());
        o.writeBoolean(e.getKey().key() != null);
        if (e.getKey().key() != null) {
          o.writeUTF(e.getKey().key());
        }
      } catch (java.io.UTFDataFormatException tooLong) {
        continue;
      }
      o.writeInt(e.getValue().length);
      o.write(e.getValue());
      o.flush();
      b.write(one.toByteArray());
      written++;
    }
    b.flush();
    out.writeInt(written);
    out.write(body.toByteArray());
    out.flush();
    return bytes.toByteArray();
  }

  private void decodeBaselines(byte[] section) throws StateFile.CorruptStateException {
    try {
      java.io.DataInputStream in = new java.io.DataInputStream(new java.io.ByteArrayInputStream(section));
      int n = in.readInt();
      if (n < 0 || n > section.length) {
        throw new StateFile.CorruptStateException("the baselines announce an impossible " + n + " entries");
      }
      for (int i = 0; i < n; i++) {
        String service = in.readUTF();
        String key = in.readBoolean() ? in.readUTF() : null;
        int len = in.readInt();
        if (len < 0 || len > section.length) {
          throw new StateFile.CorruptStateException("a baseline of service '" + service + "' has an impossible length "
              + len);
        }
        byte[] b = new byte[len];
        in.readFully(b);
        pendingBaselines.put(new AccountId(service, key), b);
      }
    } catch (IOException e) {
      throw new StateFile.CorruptStateException("its baselines cannot be decoded: " + e);
    }
  }

  private Map<String, byte[]> readState() {
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > StateFile.MAX_PAYLOAD) {
        moveAside("it is " + size + " bytes long, more than the " + StateFile.MAX_PAYLOAD + " a state file may have");
        return Map.of();
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException | RuntimeException e) {
      LOG.warn("State file {} cannot be read ({}); spend from before this start is not restored and the guard"
          + " starts from empty budgets. Check the file's permissions; it will be replaced at the next flush.",
          file, e.toString());
      return Map.of();
    }
    try {
      StateFile.Content content = StateFile.decode(bytes);
      byte[] saved = content.sections().get(BASELINES_SECTION);
      if (saved != null) {
        decodeBaselines(saved);
      }
      for (StateFile.AccountState a : content.accounts()) {
        pending.put(new AccountId(a.service(), a.key()), a.windows());
      }
      return content.sections();
    } catch (StateFile.CorruptStateException e) {
      pendingBaselines.clear();
      pending.clear();
      moveAside(e.getMessage());
      return Map.of();
    }
  }

  private void moveAside(String why) {
    Path bad = file.resolveSibling(FILE_NAME + BAD_SUFFIX);
    String where;
    try {
      Files.move(file, bad, StandardCopyOption.REPLACE_EXISTING);
      where = "it was moved to " + bad + " for inspection (delete it when done)";
    } catch (IOException | RuntimeException e) {
      where = "it could not be moved aside (" + e + ") and will be replaced at the next flush";
    }
    LOG.warn("State file {} is not usable: {}. Spend from before this start is not restored; the guard starts from"
        + " empty budgets and writes a new state file; {}.", file, why, where);
  }

  /**
   * Stops the flusher after a last flush and releases the state directory.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!enabled) {
      return;
    }
    task.cancel(false);
    flush();
    synchronized (flushLock) {
      stopped = true;
    }
    if (ownsScheduler) {
      scheduler.shutdown();
    }
    if (shutdownHook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException | SecurityException e) {
        // the JVM is shutting down; the hook's flush is a no-op now
      }
    }
    try {
      lock.release();
    } catch (IOException e) {
      LOG.debug("Releasing the lock of {} failed: {}", file, e.toString());
    }
    closeQuietly(lockChannel);
  }

  @Override
  public String toString() {
    return "PersistentLedger[" + file + (enabled ? "" : ", in memory only") + "]";
  }

  static String spec(Budget b) {
    return b.isCalendarDay() ? "day:" + b.zone().orElseThrow().getId() : "sliding:" + b.window().toNanos();
  }

  static long epochNanos(Instant instant) {
    return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("Closing a state lock failed: {}", e.toString());
    }
  }
}
