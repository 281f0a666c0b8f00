package dev.runaway;

import java.time.Instant;

/**
 * The source of time for everything in Runaway Guard that depends on time: budget windows,
 * burn-rate buckets, breaker waits, alert refractory periods and polling schedules.
 *
 * <p>{@link #nanoTime()} is a monotonic clock for measuring elapsed time; {@link #instant()} is
 * the wall clock, used for calendar boundaries (midnight in a zone, hour of day) and for
 * timestamps shown to people. Production code uses {@link #system()}; tests drive a
 * {@link ManualTicker} and never sleep.
 *
 * <p>Implementations must be thread-safe.
 */
public interface Ticker {

  /**
   * Returns a monotonic reading in nanoseconds, with an arbitrary origin.
   *
   * @return nanoseconds
   */
  long nanoTime();

  /**
   * Returns the current wall-clock time.
   *
   * @return the current instant
   */
  Instant instant();

  /**
   * Returns the ticker backed by {@link System#nanoTime()} and the system clock.
   *
   * @return the system ticker
   */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }

  /**
   * Returns a ticker whose {@link #nanoTime()} costs one volatile read instead of a call to
   * {@link System#nanoTime()}, at a resolution of about one millisecond.
   *
   * <p>A daemon thread, one per JVM and started by the first call of this method, copies
   * {@code System.nanoTime()} into a volatile field about every millisecond; every reading is
   * that field. The reading never goes backwards. Its trade-off:
   * <ul>
   *   <li><b>Cost.</b> On machines where {@code System.nanoTime()} is slow (20-30 ns on many
   *       virtual machines, against a few ns on bare metal) a guarded call reads the clock once,
   *       and that read can be a third of the call; this ticker makes it about 1 ns. See the
   *       guard's benchmark figures in {@code benchmarks/RESULTS.md}.</li>
   *   <li><b>Resolution and lag.</b> Readings lag the real clock by up to about a millisecond,
   *       more while the updater thread waits for a core on an overloaded machine. Budget windows
   *       (minutes to days), burn-rate buckets (a minute by default) and breaker waits (seconds)
   *       do not notice; code that measures short durations with this ticker does.</li>
   *   <li><b>A thread.</b> The updater wakes up about a thousand times a second for the rest of
   *       the JVM's life (a daemon: it never keeps the JVM alive).</li>
   * </ul>
   * {@link #instant()} is the precise wall clock ({@link Instant#now()}), read only for calendar
   * boundaries and timestamps. Use it for high call rates (thousands of guarded calls a second or
   * more) where the guard's own cost matters; keep {@link #system()} otherwise. Tests use a
   * {@link ManualTicker} either way.
   *
   * @return the JVM's coarse ticker (the same instance every time)
   */
  static Ticker coarse() {
    return CoarseTicker.Shared.INSTANCE;
  }
}

/** The system ticker; a singleton enum so that it serialises and compares by identity. */
enum SystemTicker implements Ticker {
  INSTANCE;

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Instant instant() {
    return Instant.now();
  }

  @Override
  public String toString() {
    return "Ticker.system()";
  }
}
