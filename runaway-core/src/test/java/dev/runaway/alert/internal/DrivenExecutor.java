package dev.runaway.alert.internal;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/** An {@link Executor} that only queues tasks; the test runs them with {@link #runAll()}. Thread-safe. */
public final class DrivenExecutor implements Executor {

  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

  @Override
  public void execute(Runnable command) {
    tasks.add(command);
  }

  /**
   * Runs queued tasks, and tasks they queue, until none is left.
   *
   * @return how many ran
   */
  public int runAll() {
    int n = 0;
    Runnable r;
    while ((r = tasks.poll()) != null) {
      r.run();
      n++;
    }
    return n;
  }

  /**
   * Returns how many tasks wait.
   *
   * @return the count
   */
  public int pending() {
    return tasks.size();
  }
}
