package dev.runaway.internal;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread factories of every background thread the library starts: daemon threads (a guard
 * must never keep the application's JVM alive), named so a thread dump says whose they are, and
 * with an uncaught-exception handler that logs at ERROR through SLF4J instead of printing to
 * {@code System.err}, where a library's failure is easily lost.
 *
 * <p>The factories are thread-safe.
 */
public final class DaemonThreads {

  private static final Logger LOG = LoggerFactory.getLogger(DaemonThreads.class);

  /** Logs what escapes a background thread's task. */
  private static final Thread.UncaughtExceptionHandler LOG_UNCAUGHT =
      (t, e) -> LOG.error("Uncaught exception in background thread {}", t.getName(), e);

  private DaemonThreads() {}

  /**
   * Returns a factory whose threads are named {@code prefix-1}, {@code prefix-2}, ... in creation
   * order; for pools that may hold several threads.
   *
   * @param prefix the name prefix, e.g. {@code runaway-alerts}
   * @return the factory
   */
  public static ThreadFactory factory(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    AtomicInteger n = new AtomicInteger();
    return r -> create(r, prefix + "-" + n.incrementAndGet());
  }

  /**
   * Returns a factory whose every thread has exactly the given name; for executors and cleaners
   * that run a single thread, and for one thread started by hand ({@code named(x).newThread(r)}).
   *
   * @param name the thread name, e.g. {@code runaway-guard-clock}
   * @return the factory
   */
  public static ThreadFactory named(String name) {
    Objects.requireNonNull(name, "name");
    return r -> create(r, name);
  }

  private static Thread create(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.setUncaughtExceptionHandler(LOG_UNCAUGHT);
    return t;
  }
}
