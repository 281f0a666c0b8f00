package dev.runaway;

import dev.runaway.internal.DaemonThreads;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The ticker of {@link Ticker#coarse()}: {@link #nanoTime()} is one volatile read of a reading
 * that one daemon thread, shared by every user in the JVM and started at the first
 * {@link Ticker#coarse()}, refreshes from {@link System#nanoTime()} about every millisecond.
 *
 * <p>Why: on many machines (virtualised ones above all) {@code System.nanoTime()} costs 20-30 ns,
 * as much as the rest of a guarded call; a volatile read costs about one. The guard's windows are
 * minutes to days long and its breaker waits are seconds, so a reading that lags by a millisecond
 * changes nothing a user can see.
 *
 * <p>The updater never lets the reading go backwards (it keeps the larger of the old reading and
 * the new one). Tests build their own instance around a fake source and drive {@link #update()}
 * directly, without the thread.
 *
 * <p>Thread-safe.
 */
final class CoarseTicker implements Ticker {

  /** How often the shared updater refreshes the reading: the ticker's resolution. */
  static final long RESOLUTION_NANOS = 1_000_000L;

  private final LongSupplier source;
  private volatile long now;

  /**
   * Creates a ticker that only moves when {@link #update()} is called.
   *
   * @param source the precise clock, read by {@link #update()} only
   */
  CoarseTicker(LongSupplier source) {
    this.source = source;
    this.now = source.getAsLong();
  }

  /** The JVM's one coarse ticker and its updater, created at the first {@link Ticker#coarse()}. */
  static final class Shared {
    static final CoarseTicker INSTANCE = start();

    private Shared() {}

    private static CoarseTicker start() {
      CoarseTicker t = new CoarseTicker(System::nanoTime);
      Thread updater = DaemonThreads.named("runaway-coarse-ticker").newThread(t::run);
      // Time-critical but tiny: it must not wait behind the application's busy threads.
      updater.setPriority(Thread.MAX_PRIORITY);
      updater.start();
      return t;
    }
  }

  private void run() {
    while (true) {
      update();
      LockSupport.parkNanos(RESOLUTION_NANOS);
    }
  }

  /**
   * Reads the precise clock once and publishes the reading, unless it would move the ticker
   * backwards. Called by the updater thread (the only writer of the shared instance), and by
   * tests.
   */
  void update() {
    long t = source.getAsLong();
    if (t - now > 0) {
      now = t;
    }
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Instant instant() {
    // Calendar boundaries and timestamps for people: read rarely (once per meter bucket, per
    // snapshot, per alert), so the precise wall clock costs nothing that matters.
    return Instant.now();
  }

  @Override
  public String toString() {
    return "Ticker.coarse()";
  }
}
