package dev.runaway.alert.internal;

import dev.runaway.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * An {@link AlertScheduler} driven by a {@link ManualTicker}: tasks run when the test advances
 * time with {@link #advance(Duration)} (or calls {@link #runDue()}), on the test's thread, in
 * order of due time. Thread-safe, so that deliveries on other threads may schedule.
 */
public final class ManualScheduler implements AlertScheduler {

  private final ManualTicker ticker;
  private final List<Task> tasks = new ArrayList<>();
  private long seq;

  /**
   * Creates a scheduler on {@code ticker}.
   *
   * @param ticker the ticker whose time decides what is due
   */
  public ManualScheduler(ManualTicker ticker) {
    this.ticker = Objects.requireNonNull(ticker, "ticker");
  }

  @Override
  public synchronized Scheduled schedule(Runnable task, Duration delay) {
    Task t = new Task(ticker.nanoTime() + Math.max(0, delay.toNanos()), seq++, delay, task);
    tasks.add(t);
    notifyAll();
    return () -> {
      synchronized (this) {
        tasks.remove(t);
        notifyAll();
      }
    };
  }

  /**
   * Moves time forward and runs every task due by then.
   *
   * @param d how far
   * @return how many tasks ran
   */
  public int advance(Duration d) {
    ticker.advance(d);
    return runDue();
  }

  /**
   * Runs every task due now, including tasks they schedule that are due now.
   *
   * @return how many tasks ran
   */
  public int runDue() {
    int ran = 0;
    while (true) {
      Task next;
      synchronized (this) {
        next = null;
        for (Task t : tasks) {
          if (t.due <= ticker.nanoTime() && (next == null || t.due < next.due || t.due == next.due && t.seq < next.seq)) {
            next = t;
          }
        }
        if (next == null) {
          return ran;
        }
        tasks.remove(next);
      }
      next.task.run();
      ran++;
    }
  }

  /**
   * Returns how many tasks wait.
   *
   * @return the count
   */
  public synchronized int pending() {
    return tasks.size();
  }

  /**
   * Returns the delay the most recently scheduled waiting task was scheduled with.
   *
   * @return the delay, or empty if nothing waits
   */
  public synchronized Optional<Duration> lastDelay() {
    return tasks.stream().max((a, b) -> Long.compare(a.seq, b.seq)).map(t -> t.delay);
  }

  /**
   * Waits (for another thread's hand-off, not for time) until exactly {@code n} tasks wait.
   *
   * @param n the number of tasks
   * @param timeout how long to wait for the hand-off at most
   * @return whether it happened
   * @throws InterruptedException if interrupted
   */
  public synchronized boolean awaitPending(int n, Duration timeout) throws InterruptedException {
    long deadline = TimeUnit.NANOSECONDS.toMillis(timeout.toNanos());
    long waited = 0;
    while (tasks.size() != n && waited < deadline) {
      wait(10);
      waited += 10;
    }
    return tasks.size() == n;
  }

  private static final class Task {
    final long due;
    final long seq;
    final Duration delay;
    final Runnable task;

    Task(long due, long seq, Duration delay, Runnable task) {
      this.due = due;
      this.seq = seq;
      this.delay = delay;
      this.task = task;
    }
  }
}
