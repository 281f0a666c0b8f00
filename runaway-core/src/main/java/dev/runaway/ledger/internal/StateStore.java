package dev.runaway.ledger.internal;

import dev.runaway.internal.DaemonThreads;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable side of {@link PersistentLedger}: the state directory's lock, reading the state file
 * at start (a corrupt, oversized or unreadable one moved aside and reported), the flusher thread,
 * the refusal-triggered urgent flush, the shutdown hook, and writing the file atomically
 * ({@link StateFile}'s format, temporary file, fsync, rename) only when its bytes changed, with
 * write failures reported once per episode.
 *
 * <p>Its one job is getting bytes to and from the disk safely; what the bytes hold comes from the
 * {@link Source} it is started with.
 *
 * <p>Thread-safe: flushes are serialised on one lock (the source is read under it, so a source
 * may keep flush-only state unsynchronised); the urgent flush is lock-free on the caller's side.
 */
final class StateStore {

  /** Produces what is written; called on the flusher thread under the flush lock. */
  interface Source {
    /**
     * Returns the accounts with spend to save.
     *
     * @return the accounts
     */
    List<StateFile.AccountState> accounts();

    /**
     * Returns the sections beside the ledger's, in the order they are written.
     *
     * @return section name to bytes
     * @throws IOException if a section cannot be encoded
     */
    Map<String, byte[]> sections() throws IOException;

    /**
     * Returns sections written with the others, and compared on their own: a file whose other
     * bytes did not change is written again only when these did (a clock reading, which the source
     * refreshes on its own schedule).
     *
     * @param exact whether the file is written now (or it is the last flush): the current reading
     * @return section name to bytes
     */
    default Map<String, byte[]> stamps(boolean exact) {
      return Map.of();
    }
  }

  /** Takes what was read at start. */
  interface Loader {
    /**
     * Takes the decoded file.
     *
     * @param content the file's accounts and sections
     * @throws StateFile.CorruptStateException if a section turns out corrupt
     */
    void load(StateFile.Content content) throws StateFile.CorruptStateException;

    /** Forgets whatever {@link #load} took: the file is being discarded as corrupt. */
    void discard();
  }

  /** Refusal-triggered flushes are at least this far apart. */
  private static final long URGENT_SPACING_NANOS = 100_000_000L;
  // The ledger's logger: what operators (and tests) watch for state-file messages.
  private static final Logger LOG = LoggerFactory.getLogger(PersistentLedger.class);

  private final Path file;
  private final boolean enabled;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Object flushLock = new Object();
  private ScheduledExecutorService scheduler;
  private boolean ownsScheduler;
  private ScheduledFuture<?> task;
  private Thread shutdownHook;
  private Source source;
  private volatile boolean closed;
  /** Set before the last flush (close or JVM shutdown): see {@link #isStopping()}. */
  private volatile boolean stopping;
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
  // Guarded by flushLock.
  private byte[] lastWritten;
  private Map<String, byte[]> lastStamps = Map.of();
  private boolean failing;
  private boolean backupFailing;
  private boolean stopped;
  /** State-file writes made, for tests that measure how often the file is rewritten. */
  private long writes;

  /**
   * Creates the directory and takes its lock; a directory that cannot be used is reported and
   * leaves the store disabled (reading only).
   *
   * @throws PersistentLedger.StateDirLockedException if another guard holds the lock past {@code lockWait}
   */
  StateStore(Path dir, Duration lockWait) {
    this.file = dir.resolve(PersistentLedger.FILE_NAME);
    FileChannel channel = null;
    FileLock fileLock = null;
    boolean usable = true;
    try {
      Files.createDirectories(dir);
      channel = FileChannel.open(dir.resolve(PersistentLedger.LOCK_NAME), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      fileLock = awaitLock(channel, dir, lockWait);
    } catch (IOException | RuntimeException e) {
      if (e instanceof PersistentLedger.StateDirLockedException) {
        closeQuietly(channel);
        throw (PersistentLedger.StateDirLockedException) e;
      }
      usable = false;
      LOG.warn("State directory {} cannot be used for writing ({}); spend saved there is restored if it can be read,"
          + " but new spend is kept in memory only and will not survive a restart. Create the directory and make it"
          + " writable by this process, or remove state_dir.", dir, e.toString());
    }
    if (!usable && channel != null) {
      closeQuietly(channel);
      channel = null;
    }
    this.enabled = usable;
    this.lockChannel = channel;
    this.lock = fileLock;
  }

  /**
   * Takes the state directory's lock, waiting up to {@code wait} for another process to let it go:
   * a crash-looping service's new instance often starts while the old one is still exiting, and
   * must then resume the old one's spend, not start beside it with a fresh budget.
   */
  private static FileLock awaitLock(FileChannel channel, Path dir, Duration wait) throws IOException {
    // Real time, not the guard's ticker: this waits for another process to exit.
    long deadline = System.nanoTime() + wait.toNanos();
    boolean told = false;
    for (;;) {
      FileLock l;
      try {
        l = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null; // held by another ledger of this JVM
      }
      if (l != null) {
        if (told) {
          LOG.info("State directory {} is free again; this guard resumes the spend saved there", dir);
        }
        return l;
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new PersistentLedger.StateDirLockedException("State directory " + dir + " is in use by another running"
            + " guard (it holds " + dir.resolve(PersistentLedger.LOCK_NAME) + ") and was not released within "
            + wait.toMillis() + " ms. A second"
            + " process on the same state_dir would start with a fresh budget while the first still spends, so this"
            + " guard does not start. Stop the other process, give each process its own state_dir, or share one"
            + " budget across processes with a shared ledger (runaway-redis).");
      }
      if (!told) {
        told = true;
        LOG.info("State directory {} is in use by another guard; waiting up to {} ms for it to be released", dir,
            wait.toMillis());
      }
      try {
        Thread.sleep(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new PersistentLedger.StateDirLockedException("Interrupted while waiting for state directory " + dir
            + " to be released by another guard; this guard does not start");
      }
    }
  }

  Path file() {
    return file;
  }

  /** Whether this store writes (false when the directory was unusable). */
  boolean isEnabled() {
    return enabled;
  }

  /**
   * Reads the state file, even when the directory is read-only: a valid saved state is still the
   * best knowledge of what was spent, and ignoring it would hand a restarted runaway a fresh
   * budget. An unusable file is reported and moved aside (left in place when read-only).
   *
   * @param loader takes the decoded content
   * @return the file's sections, or none
   */
  Map<String, byte[]> read(Loader loader) {
    boolean writable = enabled;
    Path backup = backupOf(file);
    if (!writable && !Files.isRegularFile(file)) {
      return Map.of(); // nothing saved to restore; the directory's problem was reported already
    }
    String failure = readOne(file, loader, writable);
    if (failure == null || failure.isEmpty()) {
      // Read, or there is none: a state file deleted by hand starts from empty budgets, as before
      // backups (its backup is then not read, and is replaced at the next flush).
      return failure == null ? sectionsRead : Map.of();
    }
    // The backup holds the same bytes as the last good write (see flush): a state file damaged
    // since (a disk error, an edit, another program) must not hand the spend back.
    if (!Files.isRegularFile(backup)) {
      LOG.warn("State file {} {}. Spend from before this start is not restored and the guard starts from empty"
          + " budgets (there is no backup copy {} to fall back to).", file, failure, backup.getFileName());
      return Map.of();
    }
    String backupFailure = readOne(backup, loader, false);
    if (backupFailure == null) {
      LOG.warn("State file {} {}; the spend saved with it was restored from its backup copy {}.", file, failure,
          backup);
      return sectionsRead;
    }
    LOG.warn("State file {} {}, and its backup copy {} {}. Spend from before this start is not restored and the"
        + " guard starts from empty budgets.", file, failure, backup,
        backupFailure.isEmpty() ? "is missing" : backupFailure);
    return Map.of();
  }

  /** What {@link #readOne} read last. */
  private Map<String, byte[]> sectionsRead = Map.of();

  /**
   * Reads one copy into the loader: {@code null} when it was read (its sections in
   * {@link #sectionsRead}), else why not ({@code ""} when it does not exist). An unusable copy is
   * moved aside when {@code moveAside}.
   */
  private String readOne(Path path, Loader loader, boolean moveAside) {
    byte[] bytes;
    try {
      long size = Files.size(path);
      if (size > StateFile.MAX_PAYLOAD) {
        String why = "is not usable: it is " + size + " bytes long, more than the " + StateFile.MAX_PAYLOAD
            + " a state file may have";
        return moveAside ? why + moveAside(path) : why;
      }
      bytes = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      return "";
    } catch (IOException | RuntimeException e) {
      return "cannot be read (" + e + "; check its permissions; it will be replaced at the next flush)";
    }
    try {
      StateFile.Content content = StateFile.decode(bytes);
      loader.load(content);
      sectionsRead = content.sections();
      return null;
    } catch (StateFile.CorruptStateException e) {
      loader.discard();
      String why = "is not usable: " + e.getMessage();
      return moveAside ? why + moveAside(path) : why;
    }
  }

  /** The backup copy of a state file, written after it with the same bytes. */
  static Path backupOf(Path file) {
    return file.resolveSibling(file.getFileName() + BACKUP_SUFFIX);
  }

  /** The backup copy's suffix. */
  static final String BACKUP_SUFFIX = ".backup";

  /**
   * Moves an unusable state file aside for inspection, to {@code .bad}, or {@code .bad.1} to
   * {@code .bad.9} when earlier ones are still there (the tenth replaces {@code .bad.9}); says where.
   */
  private static String moveAside(Path path) {
    Path bad = path.resolveSibling(PersistentLedger.FILE_NAME + PersistentLedger.BAD_SUFFIX);
    for (int i = 1; i <= 9 && Files.exists(bad); i++) {
      bad = path.resolveSibling(PersistentLedger.FILE_NAME + PersistentLedger.BAD_SUFFIX + "." + i);
    }
    try {
      Files.move(path, bad, StandardCopyOption.REPLACE_EXISTING);
      return " (moved to " + bad + " for inspection; delete it when done)";
    } catch (IOException | RuntimeException e) {
      return " (it could not be moved aside: " + e + "; it will be replaced at the next flush)";
    }
  }

  /**
   * Starts the periodic flush and the shutdown hook; does nothing when the store is disabled.
   *
   * @param scheduler runs the flushes; {@code null} for a daemon thread of the store's own
   * @param interval time between flushes
   * @param source what is written
   */
  void start(ScheduledExecutorService scheduler, Duration interval, Source source) {
    if (!enabled) {
      return;
    }
    this.source = source;
    this.ownsScheduler = scheduler == null;
    this.scheduler = scheduler != null ? scheduler : Executors.newSingleThreadScheduledExecutor(
        DaemonThreads.named("runaway-guard-state"));
    long every = Math.max(1, interval.toNanos());
    this.task = this.scheduler.scheduleWithFixedDelay(this::flush, every, every, TimeUnit.NANOSECONDS);
    Thread hook = new Thread(() -> {
      stopping = true;
      flush();
    }, "runaway-guard-state-shutdown");
    Thread registered = hook;
    try {
      Runtime.getRuntime().addShutdownHook(hook);
    } catch (IllegalStateException | SecurityException e) {
      registered = null; // already shutting down
    }
    this.shutdownHook = registered;
  }

  /**
   * Flushes soon on the flusher's scheduler, at most once per 100 ms: a refusal means a budget ran
   * out, which must survive a crash right after.
   *
   * @param now the ticker's reading
   */
  void flushSoon(long now) {
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

  /** Writes the source's current bytes if they changed; see {@link PersistentLedger#flush()}. */
  void flush() {
    if (!enabled) {
      return;
    }
    synchronized (flushLock) {
      if (stopped) {
        return;
      }
      try {
        List<StateFile.AccountState> accounts = source.accounts();
        Map<String, byte[]> sections = source.sections();
        byte[] compared = StateFile.encode(accounts, sections);
        Map<String, byte[]> stamps = source.stamps(stopping);
        if (Arrays.equals(compared, lastWritten) && sameSections(stamps, lastStamps)) {
          return;
        }
        stamps = source.stamps(true);
        byte[] bytes = compared;
        if (!stamps.isEmpty()) {
          Map<String, byte[]> all = new java.util.LinkedHashMap<>(sections);
          all.putAll(stamps);
          bytes = StateFile.encode(accounts, all);
        }
        if (bytes.length > StateFile.MAX_PAYLOAD) {
          // Never a file the next start refuses (and then starts every budget empty).
          throw new IOException("the state would take " + bytes.length + " bytes, more than the "
              + StateFile.MAX_PAYLOAD + " a state file may have (too many keys hold spend)");
        }
        StateFile.writeAtomically(file, bytes);
        lastWritten = compared;
        lastStamps = stamps;
        writes++;
        writeBackup(bytes);
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

  private static boolean sameSections(Map<String, byte[]> a, Map<String, byte[]> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<String, byte[]> e : a.entrySet()) {
      if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes the backup copy read when the state file is damaged. Its failure is reported once per
   * episode and does not fail the flush: the state file itself was written.
   */
  private void writeBackup(byte[] bytes) {
    try {
      StateFile.writeAtomically(backupOf(file), bytes);
      if (backupFailing) {
        backupFailing = false;
        LOG.info("Backup copy of state file {} is written again", file);
      }
    } catch (IOException | RuntimeException e) {
      if (!backupFailing) {
        backupFailing = true;
        LOG.warn("Cannot write the backup copy of state file {} ({}); the state file itself is written, but a"
            + " damaged state file could not be restored from its copy until this clears.", file, e.toString());
      }
    }
  }

  /**
   * Whether the store is making its last flush, at {@link #close()} or in the JVM's shutdown hook:
   * a section may then save its state as of now even where it keeps older bytes between periodic
   * flushes.
   */
  boolean isStopping() {
    return stopping;
  }

  /** The number of times the state file was written (each with its backup copy and fsync). */
  long writes() {
    synchronized (flushLock) {
      return writes;
    }
  }

  /** Stops the flusher after a last flush and releases the directory; idempotent. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!enabled) {
      return;
    }
    task.cancel(false);
    stopping = true;
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

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("Closing a state lock failed: {}", e.toString());
    }
  }
}
