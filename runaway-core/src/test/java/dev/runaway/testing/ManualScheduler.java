package dev.runaway.testing;

import dev.runaway.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link ScheduledExecutorService} that runs nothing on its own: tasks run on the test's thread
 * when the test moves the {@link ManualTicker} with {@link #advance(Duration)} or calls
 * {@link #runDue()}, and periodic tasks also when it calls {@link #runPeriodic()}. Built with
 * {@link #executingInline(ManualTicker)}, {@link #execute(Runnable)} runs the task at once instead,
 * for code whose background work the test wants done before the call returns. Thread-safe, so
 * poll threads may schedule and cancel, and a test may wait with {@link #awaitPending(int, Duration)}
 * for another thread to hand it a task.
 */
public final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

  private final ManualTicker ticker;
  private final boolean inline;
  private final PriorityQueue<Task<?>> queue = new PriorityQueue<>();
  /** The periodic tasks not cancelled, in the order they were scheduled, for {@link #runPeriodic()}. */
  private final List<Task<?>> periodic = new ArrayList<>();
  private long seq;
  private volatile boolean shutdown;

  /**
   * Creates a scheduler driven by a manual ticker.
   *
   * @param ticker the test's ticker, which {@link #advance(Duration)} moves
   */
  public ManualScheduler(ManualTicker ticker) {
    this(ticker, false);
  }

  private ManualScheduler(ManualTicker ticker, boolean inline) {
    this.ticker = ticker;
    this.inline = inline;
  }

  /**
   * Creates a scheduler whose {@link #execute(Runnable)} (and so {@code submit}) runs the task at
   * once on the caller's thread, as a direct executor would; delayed and periodic tasks still wait
   * for the test, as in {@link #ManualScheduler(ManualTicker)}.
   *
   * @param ticker the test's ticker, which {@link #advance(Duration)} moves
   * @return the scheduler
   */
  public static ManualScheduler executingInline(ManualTicker ticker) {
    return new ManualScheduler(ticker, true);
  }

  /**
   * Moves time forward, running every task that falls due on the way, in order.
   *
   * @param d how far
   * @return how many tasks ran
   */
  public int advance(Duration d) {
    long target = ticker.nanoTime() + d.toNanos();
    int ran = 0;
    while (true) {
      Task<?> next;
      synchronized (this) {
        next = queue.peek();
      }
      if (next == null || next.due > target) {
        break;
      }
      if (next.due > ticker.nanoTime()) {
        ticker.advanceNanos(next.due - ticker.nanoTime());
      }
      ran += runDue();
    }
    ticker.advanceNanos(target - ticker.nanoTime());
    return ran + runDue();
  }

  /**
   * Runs the tasks due now.
   *
   * @return how many ran
   */
  public int runDue() {
    int ran = 0;
    while (true) {
      Task<?> t;
      synchronized (this) {
        t = queue.peek();
        if (t == null || t.due > ticker.nanoTime()) {
          return ran;
        }
        queue.poll();
        notifyAll();
      }
      ran++;
      t.runOnce();
    }
  }

  /**
   * Runs every periodic task once now, in the order they were scheduled, whatever their due time,
   * without moving the ticker or their schedule: for tests that drive background maintenance by
   * hand while they move the ticker for other reasons.
   *
   * @return how many ran
   */
  public int runPeriodic() {
    List<Task<?>> now;
    synchronized (this) {
      now = new ArrayList<>(periodic);
    }
    int ran = 0;
    for (Task<?> t : now) {
      if (t.runNow()) {
        ran++;
      }
    }
    return ran;
  }

  /**
   * Returns the number of tasks waiting.
   *
   * @return the count
   */
  public synchronized int pending() {
    return queue.size();
  }

  /**
   * Returns the delay the most recently scheduled waiting task was scheduled with: for tests of a
   * backoff, which see the delay the code chose without knowing when it chose it.
   *
   * @return the delay, or empty if nothing waits
   */
  public synchronized Optional<Duration> lastDelay() {
    Task<?> last = null;
    for (Task<?> t : queue) {
      if (last == null || t.seq > last.seq) {
        last = t;
      }
    }
    return last == null ? Optional.empty() : Optional.of(Duration.ofNanos(last.delay));
  }

  /**
   * Waits until exactly {@code n} tasks wait: for a task that another thread schedules (a hand-off,
   * not the passing of time, which only the test moves).
   *
   * @param n the number of tasks
   * @param timeout how long to wait for the hand-off at most
   * @return whether it happened
   * @throws InterruptedException if interrupted
   */
  public synchronized boolean awaitPending(int n, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (queue.size() != n) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  private synchronized <V> Task<V> add(Task<V> t) {
    if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    }
    t.seq = seq++;
    queue.add(t);
    notifyAll();
    return t;
  }

  private synchronized void remove(Task<?> t) {
    queue.remove(t);
    periodic.remove(t);
    notifyAll();
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(new Task<>(() -> {
      command.run();
      return null;
    }, unit.toNanos(delay), 0));
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return add(new Task<>(callable, unit.toNanos(delay), 0));
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
    Task<?> t = add(new Task<>(() -> {
      command.run();
      return null;
    }, unit.toNanos(initialDelay), unit.toNanos(period)));
    synchronized (this) {
      periodic.add(t);
    }
    return t;
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
    return scheduleAtFixedRate(command, initialDelay, delay, unit);
  }

  @Override
  public void execute(Runnable command) {
    if (!inline) {
      schedule(command, 0, TimeUnit.NANOSECONDS);
    } else if (shutdown) {
      throw new java.util.concurrent.RejectedExecutionException("shut down");
    } else {
      command.run();
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public synchronized List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> out = new ArrayList<>();
    queue.clear();
    periodic.clear();
    notifyAll();
    return out;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }

  private final class Task<V> implements ScheduledFuture<V> {
    private final Callable<V> body;
    private final long period;
    /** The delay it was scheduled with, for {@link #lastDelay()}. */
    final long delay;
    long due;
    long seq;
    private volatile boolean cancelled;
    private volatile boolean done;
    private V value;

    Task(Callable<V> body, long delay, long period) {
      this.body = body;
      this.delay = delay;
      this.due = ticker.nanoTime() + delay;
      this.period = period;
    }

    void runOnce() {
      if (cancelled) {
        return;
      }
      try {
        call();
      } finally {
        if (period > 0 && !cancelled && !shutdown) {
          due += period;
          add(this);
        } else {
          done = true;
        }
      }
    }

    /** Runs the body now, outside its schedule, unless cancelled; returns whether it ran. */
    boolean runNow() {
      if (cancelled) {
        return false;
      }
      call();
      return true;
    }

    private void call() {
      try {
        value = body.call();
      } catch (Exception e) {
        throw new IllegalStateException("a scheduled task failed", e);
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(due - ticker.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      Task<?> t = (Task<?>) o;
      return due != t.due ? Long.compare(due, t.due) : Long.compare(seq, t.seq);
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done || cancelled) {
        return false;
      }
      cancelled = true;
      remove(this);
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done || cancelled;
    }

    @Override
    public V get() {
      if (!done) {
        throw new IllegalStateException("not run yet; advance the scheduler");
      }
      return value;
    }

    @Override
    public V get(long timeout, TimeUnit unit) {
      return get();
    }
  }
}
