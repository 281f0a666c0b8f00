package dev.runaway.internal;

import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import dev.runaway.breaker.internal.DefaultCircuitBreaker;
import dev.runaway.ledger.internal.PersistentLedger;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The state file's {@value #SECTION} section: the guard's service breakers that were open when it
 * was written, so that a restarted process (a crash loop, a cron job, a pod restarted by its
 * orchestrator) does not start with every breaker closed and hand a runaway loop a fresh run
 * until detection trips it again; and its {@value #KEY_SECTION} section, the same for the keys'
 * own breakers (a section of its own, which releases before it skip).
 *
 * <p><b>Time across a restart.</b> Each entry keeps what remained of the open wait at one moment,
 * with the ticker's and the wall clock's readings at that moment: the first write after the
 * breaker's last change (or after the caller's quiet time grew by a minute), and the last write
 * before the process stops. Between them the entry, and so the state file, stays the same: an
 * open breaker does not rewrite the file (with its backup copy and fsync) at every flush
 * ({@code ServiceRuntime.breakerToSave}). At restore, the time
 * since then is the ticker's difference when it is not negative (the same monotonic clock: a
 * process restarted on the same machine, whose {@code System.nanoTime()} counts from boot), never
 * more than the wall clock's, and the wall clock's alone otherwise (after a reboot); a negative
 * difference counts as none. So a wall clock stepped forwards cannot shorten the rest of the open
 * period on the same machine, one stepped backwards cannot lengthen it past what remained at the
 * saved moment (the stop; after a crash, possibly an earlier moment of the same open period, so
 * never past the configured wait), and a breaker never comes back open longer than its configured
 * wait.
 *
 * <p><b>Versions.</b> The section starts with its own version; a file without the section (written
 * before it existed, or with every breaker closed) restores every breaker closed, and a section of
 * an unknown version (written by a newer release) is skipped with one warning naming it
 * ({@link UnknownVersionException}), as are sections this release does not know in the other
 * direction. A file damaged on disk is caught by the state file's checksum and follows its backup
 * rules ({@code PersistentLedger}).
 *
 * <p>Stateless; thread-safe.
 */
public final class SavedBreakers {

  /** The section's name in the state file. */
  public static final String SECTION = "breakers";
  /**
   * The section of the per-key breakers (the same entries, each with its key after its service):
   * a section of its own, so that a release that does not know it skips it and still reads
   * {@value #SECTION}.
   */
  public static final String KEY_SECTION = "key-breakers";
  static final int VERSION = 1;
  /** Details longer than this are cut when saved (they are for people; a file stays small). */
  private static final int MAX_DETAIL = 2000;

  private SavedBreakers() {}

  /**
   * A section of a version this release does not read (written by a newer release): its breakers
   * are not known here. The message names the section, its version and size, nothing of its content.
   */
  public static final class UnknownVersionException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    UnknownVersionException(String section, int version, int bytes) {
      super("its '" + section + "' section (" + bytes + " bytes) is version " + version + ", written by "
          + (version > VERSION ? "a newer" : "another") + " release of Runaway Guard; this release reads version "
          + VERSION);
    }
  }

  /**
   * One breaker as written.
   *
   * @param service the service
   * @param key the key whose breaker it is ({@value #KEY_SECTION}), or {@code null} for the service's
   * @param breaker its state
   * @param threshold the caller's attempt threshold per minute while a spend trip is judged, or NaN
   * @param quietNanos how long the caller had stayed under the threshold at the saved moment
   * @param savedTick the ticker's reading at the saved moment (see the class comment)
   * @param savedWall the wall clock at the saved moment, in nanoseconds since the epoch
   */
  public record Entry(String service, String key, DefaultCircuitBreaker.Persisted breaker, double threshold,
      long quietNanos, long savedTick, long savedWall) {

    /**
     * What is left of the saved wait at a later reading of both clocks (see the class comment).
     *
     * @param tick the ticker's reading now
     * @param wall the wall clock now, in nanoseconds since the epoch
     * @return the remaining wait, between 0 and what remained at the saved moment
     */
    public long remainingAt(long tick, long wall) {
      long byWall = Math.max(0, wall - savedWall);
      long byTick = tick - savedTick;
      long since = byTick >= 0 ? Math.min(byTick, byWall) : byWall;
      return Math.max(0, breaker.remainingNanos() - since);
    }

    /**
     * When the breaker opened on the wall clock, in nanoseconds since the epoch, for people: exact
     * for an open breaker ({@link #openedAtKnown()}); else the latest it can have opened (a
     * half-open one had waited its whole wait by the saved moment; a forced-open one was open by then).
     *
     * @return when it opened, or the latest it can have opened
     */
    public long openedAtWall() {
      return switch (breaker.state()) {
        case OPEN -> savedWall - (breaker.waitNanos() - breaker.remainingNanos());
        case HALF_OPEN -> savedWall - breaker.waitNanos();
        default -> savedWall;
      };
    }

    /**
     * Whether {@link #openedAtWall()} is when the breaker opened rather than the latest it can have.
     *
     * @return whether the breaker was saved open (not half-open, not forced open)
     */
    public boolean openedAtKnown() {
      return breaker.state() == CircuitBreaker.State.OPEN;
    }

    /**
     * Says when the breaker opened, as far as the entry knows: {@code opened at <instant>}, or
     * {@code opened by <instant> at the latest}.
     *
     * @return the phrase
     */
    public String whenOpened() {
      java.time.Instant at = java.time.Instant.ofEpochSecond(0, openedAtWall());
      return openedAtKnown() ? "opened at " + at : "opened by " + at + " at the latest";
    }
  }

  /**
   * Closes a service's breakers saved in a state folder that no running guard holds (an application
   * that is stopped between two runs, or crash-looping), its keys' too: the next guard there starts
   * with them closed. The saved spend and baselines are kept. For {@code runaway-monitor resume}.
   *
   * @param dir the guard's state folder
   * @param service the service
   * @return the breakers that were saved open, the service's first; empty when none was (or there
   *     is no state file, or a section of a newer release, which is left as it is with one warning)
   * @throws dev.runaway.ledger.internal.PersistentLedger.StateDirLockedException if a running guard
   *     holds the folder (its breaker closes there, with {@code guard.breaker(service).reset()})
   */
  public static List<Entry> clear(java.nio.file.Path dir, String service) {
    java.util.Objects.requireNonNull(service, "service");
    // Nothing saved and no guard ever ran here: nothing to do (and no state file to create). A
    // guard that runs here holds the lock before its first flush, so that case is asked of the lock
    // (the open below throws StateDirLockedException), not of a file not written yet.
    if (!java.nio.file.Files.isRegularFile(dir.resolve(PersistentLedger.FILE_NAME))
        && !java.nio.file.Files.exists(dir.resolve(PersistentLedger.LOCK_NAME))) {
      return List.of();
    }
    try (PersistentLedger ledger = PersistentLedger.open(dir, dev.runaway.Ticker.system(), null,
        PersistentLedger.DEFAULT_FLUSH_INTERVAL, java.time.Duration.ZERO)) {
      List<Entry> removed = new ArrayList<>();
      for (String name : List.of(SECTION, KEY_SECTION)) {
        byte[] section = ledger.restoredSection(name).orElse(null);
        if (section == null || !ledger.isPersistent()) {
          continue;
        }
        List<Entry> kept;
        try {
          kept = new ArrayList<>(decode(name, section));
        } catch (UnknownVersionException e) {
          // Not this release's to change: written back as it was, not dropped with the rewrite.
          ledger.writeSection(name, () -> section);
          org.slf4j.LoggerFactory.getLogger(SavedBreakers.class).warn("The circuit breakers saved in state file {}"
              + " are left as they are: {}. Close the breaker of {} with that release (its runaway-monitor resume,"
              + " or guard.breaker(\"{}\").reset() in the application).", ledger.file(), e.getMessage(), service,
              service);
          continue;
        } catch (RuntimeException e) {
          // Damaged: kept as it was (the guard reports it at its start), and the other section's
          // breakers are still closed; the resume must not fail halfway for it.
          ledger.writeSection(name, () -> section);
          org.slf4j.LoggerFactory.getLogger(SavedBreakers.class).warn("The {} section of state file {} cannot be"
              + " read ({}); it is left as it is, and the {} breakers saved there are not closed by this resume.",
              name, ledger.file(), e.getMessage(), name.equals(KEY_SECTION) ? "keys'" : "services'");
          continue;
        }
        for (java.util.Iterator<Entry> it = kept.iterator(); it.hasNext(); ) {
          Entry e = it.next();
          if (e.service().equals(service)) {
            removed.add(e);
            it.remove();
          }
        }
        // Written by the close, with the other services' breakers as they were saved.
        byte[] rest = encode(name, kept);
        ledger.writeSection(name, () -> rest);
      }
      return removed;
    }
  }

  /**
   * Encodes the entries of a section; {@code null} when there are none (the section is then left out).
   *
   * @param section {@link #SECTION} (the service breakers) or {@link #KEY_SECTION} (the keys')
   * @param entries the open breakers
   * @return the section's bytes, or {@code null}
   */
  public static byte[] encode(String section, List<Entry> entries) {
    if (entries.isEmpty()) {
      return null;
    }
    boolean keyed = keyed(section);
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      List<byte[]> one = new ArrayList<>();
      for (Entry e : entries) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream o = new DataOutputStream(b);
        try {
          o.writeUTF(e.service());
          if (keyed) {
            o.writeUTF(e.key());
          }
        } catch (UTFDataFormatException tooLong) {
          continue;
        }
        DefaultCircuitBreaker.Persisted p = e.breaker();
        String detail = p.detail() == null ? "" : p.detail();
        o.writeUTF(p.state().name());
        o.writeUTF(p.reason().name());
        o.writeUTF(detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) : detail);
        o.writeLong(p.waitNanos());
        o.writeInt(p.retrips());
        o.writeLong(p.remainingNanos());
        o.writeDouble(e.threshold());
        o.writeLong(e.quietNanos());
        o.writeLong(e.savedTick());
        o.writeLong(e.savedWall());
        o.flush();
        one.add(b.toByteArray());
      }
      out.writeShort(VERSION);
      out.writeInt(one.size());
      for (byte[] b : one) {
        out.write(b);
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in memory: does not happen
    }
  }

  private static boolean keyed(String section) {
    if (!section.equals(SECTION) && !section.equals(KEY_SECTION)) {
      throw new IllegalArgumentException("section must be '" + SECTION + "' or '" + KEY_SECTION + "', got '"
          + section + "'");
    }
    return section.equals(KEY_SECTION);
  }

  /**
   * Decodes a section.
   *
   * @param name {@link #SECTION} or {@link #KEY_SECTION}
   * @param section its bytes
   * @return the entries
   * @throws UnknownVersionException if the section is of another version (a newer release's)
   * @throws IllegalArgumentException if the section is damaged
   */
  public static List<Entry> decode(String name, byte[] section) {
    boolean keyed = keyed(name);
    try {
      DataInputStream in = new DataInputStream(new ByteArrayInputStream(section));
      int version = in.readUnsignedShort();
      if (version != VERSION) {
        throw new UnknownVersionException(name, version, section.length);
      }
      int n = in.readInt();
      if (n < 0 || n > section.length) {
        throw new IllegalArgumentException("it announces an impossible " + n + " breakers");
      }
      List<Entry> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String service = in.readUTF();
        String key = keyed ? in.readUTF() : null;
        CircuitBreaker.State state = CircuitBreaker.State.valueOf(in.readUTF());
        TripReason reason = TripReason.valueOf(in.readUTF());
        String detail = in.readUTF();
        long wait = in.readLong();
        int retrips = in.readInt();
        long remaining = in.readLong();
        double threshold = in.readDouble();
        long quiet = in.readLong();
        long tick = in.readLong();
        long wall = in.readLong();
        if (wait <= 0 || remaining < 0 || remaining > wait && state == CircuitBreaker.State.OPEN) {
          throw new IllegalArgumentException("breaker '" + service + (key == null ? "" : "[" + key + "]")
              + "' has an impossible wait " + wait + " ns with " + remaining + " ns remaining");
        }
        DefaultCircuitBreaker.Persisted p = new DefaultCircuitBreaker.Persisted(state, reason, detail, wait, retrips,
            remaining);
        out.add(new Entry(service, key, p, threshold, quiet, tick, wall));
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException("it ends in the middle of a record (" + e + ")");
    }
  }
}
