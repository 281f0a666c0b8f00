package dev.runaway.monitor.internal;

import dev.runaway.monitor.PollContext;
import dev.runaway.monitor.UsageReport;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One poll of one detector. Exactly one of completion, timeout and cancellation wins (a CAS on
 * the state), so a poll that times out is reported as failed once; if it then returns a report
 * late, that report is still counted (the detector has committed it), a cancelled poll's is not.
 *
 * <p>Thread-safe.
 */
final class PollAttempt {

  static final int RUNNING = 0;
  static final int DONE = 1;
  static final int TIMED_OUT = 2;
  static final int CANCELLED = 3;

  final PollContext ctx;
  final long startedNanos;
  /** Completes with the report, or with {@code null} when the poll failed, timed out or was cancelled. */
  final CompletableFuture<UsageReport> done = new CompletableFuture<>();
  private final AtomicInteger state = new AtomicInteger(RUNNING);
  private Thread thread;
  private boolean interruptedByUs;
  private volatile Future<?> timeout;

  PollAttempt(PollContext ctx, long startedNanos) {
    this.ctx = ctx;
    this.startedNanos = startedNanos;
  }

  boolean running() {
    return state.get() == RUNNING;
  }

  /** Whether the monitor's poll timeout ended the attempt. */
  boolean timedOut() {
    return state.get() == TIMED_OUT;
  }

  /**
   * Ends the attempt in a state if it is still running.
   *
   * @param to DONE, TIMED_OUT or CANCELLED
   * @return whether this call ended it
   */
  boolean end(int to) {
    return state.compareAndSet(RUNNING, to);
  }

  void timeout(Future<?> f) {
    this.timeout = f;
  }

  void cancelTimeout() {
    Future<?> f = timeout;
    if (f != null) {
      f.cancel(false);
    }
  }

  synchronized void bind(Thread t) {
    thread = t;
  }

  /** Interrupts the thread running the poll, if it still runs it. */
  synchronized void interrupt() {
    if (thread != null) {
      interruptedByUs = true;
      thread.interrupt();
    }
  }

  /** Detaches from the thread and clears an interrupt this attempt caused, so a pooled or caller thread is not left interrupted. */
  void unbind() {
    boolean clear;
    synchronized (this) {
      thread = null;
      clear = interruptedByUs;
      interruptedByUs = false;
    }
    if (clear) {
      Thread.interrupted();
    }
  }
}
