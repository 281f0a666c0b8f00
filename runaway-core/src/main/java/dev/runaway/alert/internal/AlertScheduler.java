package dev.runaway.alert.internal;

import dev.runaway.internal.DaemonThreads;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay: the {@link AlertDispatcher}'s retries with backoff and its send
 * timeouts. Tasks are short and never call notifiers; they hand work back to the dispatcher's
 * executor.
 *
 * <p>Tests pass a scheduler driven by a {@link dev.runaway.ManualTicker}; production uses
 * {@link #daemon(String)}. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface AlertScheduler {

  /**
   * Schedules {@code task} to run once, {@code delay} from now.
   *
   * @param task the task
   * @param delay how long to wait; zero or more
   * @return a handle to cancel the task
   */
  Scheduled schedule(Runnable task, Duration delay);

  /** A task waiting to run. */
  @FunctionalInterface
  interface Scheduled {
    /** Cancels the task if it has not run yet; does nothing otherwise. */
    void cancel();
  }

  /**
   * Returns a scheduler on one daemon thread that runs on real time. Shut it down with
   * {@link ShutdownableScheduler#shutdown()}.
   *
   * @param threadName the thread's name
   * @return a new scheduler
   */
  static ShutdownableScheduler daemon(String threadName) {
    Objects.requireNonNull(threadName, "threadName");
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, DaemonThreads.named(threadName));
    pool.setRemoveOnCancelPolicy(true);
    pool.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    return new ShutdownableScheduler() {
      @Override
      public Scheduled schedule(Runnable task, Duration delay) {
        ScheduledFuture<?> f = pool.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
      }

      @Override
      public void shutdown() {
        pool.shutdownNow();
      }

      @Override
      public String toString() {
        return "AlertScheduler.daemon(" + threadName + ")";
      }
    };
  }

  /** A scheduler that owns a thread and must be shut down. */
  interface ShutdownableScheduler extends AlertScheduler {
    /** Stops the thread; tasks not yet run are dropped. */
    void shutdown();
  }
}
