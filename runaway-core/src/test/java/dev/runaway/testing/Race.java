package dev.runaway.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a concurrency test's bodies on real threads released together by one start signal, so that
 * they contend from their first step, and waits for all of them. Stateless; each call uses its own
 * threads.
 */
public final class Race {

  private Race() {
  }

  /** The work of one thread of a race. */
  @FunctionalInterface
  public interface Body {
    /**
     * Does one thread's work.
     *
     * @param thread the thread's number, from 0
     * @throws Exception whatever the work throws; it fails the race
     */
    void run(int thread) throws Exception;
  }

  /**
   * Runs {@code body} on {@code threads} new threads at once and returns when every one is done.
   *
   * @param threads how many threads
   * @param body the work of each, told its number
   * @throws Exception the first failure (in thread order), wrapped in an
   *     {@link java.util.concurrent.ExecutionException}; the other threads are interrupted then
   */
  public static void run(int threads, Body body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          go.await();
          body.run(thread);
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
