package dev.runaway.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a concurrency test's bodies on real threads released together by one start signal, once
 * every thread is waiting for it, so that they contend from their first step, and waits for all of
 * them. A race that does not finish within {@link #BOUND_SECONDS} fails instead of hanging the
 * build. Stateless; each call uses its own threads.
 */
public final class Race {

  /** How long, in seconds, the threads may take to get ready, and each thread to finish. */
  public static final long BOUND_SECONDS = 60;

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
   * The work of one thread of a race that returns what it saw.
   *
   * @param <T> the result's type
   */
  @FunctionalInterface
  public interface Call<T> {
    /**
     * Does one thread's work.
     *
     * @param thread the thread's number, from 0
     * @return the thread's result
     * @throws Exception whatever the work throws; it fails the race
     */
    T call(int thread) throws Exception;
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
    results(threads, thread -> {
      body.run(thread);
      return null;
    });
  }

  /**
   * Runs {@code call} on {@code threads} new threads at once and returns their results.
   *
   * @param <T> the results' type
   * @param threads how many threads
   * @param call the work of each, told its number
   * @return each thread's result, in thread order
   * @throws Exception the first failure (in thread order), wrapped in an
   *     {@link java.util.concurrent.ExecutionException}, or a {@link TimeoutException} past the
   *     bound; the other threads are interrupted then
   */
  public static <T> List<T> results(int threads, Call<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        futures.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return call.call(thread);
        }));
      }
      if (!ready.await(BOUND_SECONDS, TimeUnit.SECONDS)) {
        throw new TimeoutException("only " + (threads - ready.getCount()) + " of " + threads + " threads started");
      }
      go.countDown();
      List<T> out = new ArrayList<>(threads);
      for (Future<T> f : futures) {
        out.add(f.get(BOUND_SECONDS, TimeUnit.SECONDS));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
