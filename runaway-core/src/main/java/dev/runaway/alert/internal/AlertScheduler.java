package dev.runaway.alert.internal;

import dev.runaway.internal.DaemonThreads;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task once after a delay: the {@link AlertDispatcher}'s retries with backoff and its send
 * timeouts. Tasks are short and never call notifiers; they hand work back to the dispatcher's
 * executor.
 *
 * <p>Tests pass {@link #on(ScheduledExecutorService)} over a scheduler driven by a
 * {@link dev.runaway.ManualTicker}; production uses {@link #daemon(String)}. Implementations must be thread-safe.
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
    AlertScheduler onPool = on(pool);
    return new ShutdownableScheduler() {
      @Override
      public Scheduled schedule(Runnable task, Duration delay) {
        return onPool.schedule(task, delay);
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

  /**
   * Returns a scheduler that hands each task to {@code executor}, which the caller owns (and shuts
   * down); cancelling a task cancels its future without interrupting it. Tests pass the test kit's
   * manual scheduler here.
   *
   * @param executor where the tasks wait and run
   * @return a scheduler on {@code executor}
   */
  static AlertScheduler on(ScheduledExecutorService executor) {
    Objects.requireNonNull(executor, "executor");
    return (task, delay) -> {
      ScheduledFuture<?> f = executor.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    };
  }

  /** A scheduler that owns a thread and must be shut down. */
  interface ShutdownableScheduler extends AlertScheduler {
    /** Stops the thread; tasks not yet run are dropped. */
    void shutdown();
  }
}
