package dev.runaway.benchmarks;

import dev.runaway.Ticker;
import java.time.Instant;

/**
 * An experiment, not a product: a {@link Ticker} whose {@link #nanoTime()} is a volatile read of
 * a reading that a daemon thread refreshes from {@code System.nanoTime()} every millisecond. It
 * shows what the guard costs once the two clock reads of every guarded call are taken off the
 * hot path (on the benchmark machine each read costs about as much as the whole guard does
 * without them); see {@code benchmarks/RESULTS.md}. Readings lag by up to a millisecond plus
 * scheduling delay, which is far below the guard's one-minute buckets.
 *
 * <p>Thread-safe. The refresher thread runs until the JVM exits.
 */
final class CoarseTicker implements Ticker {

  private volatile long now = System.nanoTime();

  CoarseTicker() {
    Thread refresher = new Thread(() -> {
      while (!Thread.currentThread().isInterrupted()) {
        now = System.nanoTime();
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "coarse-ticker");
    refresher.setDaemon(true);
    refresher.start();
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Instant instant() {
    return Instant.now();
  }
}
