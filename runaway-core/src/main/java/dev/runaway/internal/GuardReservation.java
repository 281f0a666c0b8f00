package dev.runaway.internal;

import dev.runaway.Cost;
import dev.runaway.Reservation;
import java.util.Objects;

/** A reservation made through {@link ServiceRuntime#reserve(String, long)}. */
public final class GuardReservation implements Reservation {

  private final ServiceRuntime runtime;
  private final String key;
  private final ServiceRuntime.KeyRuntime keyRuntime;
  private final long estimate;
  /** 0 while open, 1 once ended; a field of this object rather than an AtomicBoolean: one allocation per reservation, not two. */
  private volatile int done;
  private static final java.lang.invoke.VarHandle DONE;

  static {
    try {
      DONE = java.lang.invoke.MethodHandles.lookup().findVarHandle(GuardReservation.class, "done", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** Ends the reservation; true for the one caller that ends it. */
  private boolean end() {
    return DONE.compareAndSet(this, 0, 1);
  }
  /** Whether this reservation holds one of the turns of calls with an unknown cost per call. */
  private final boolean turn;
  /**
   * The admission's clock reading. The commit, failure or release uses it instead of reading the
   * clock again: the reservation's spend is dated at its start, in the buckets it was admitted
   * to (a window that rolled meanwhile takes it as its newest spend, so it is never released early
   * from the window it now sits in).
   */
  private final long admittedAt;

  GuardReservation(ServiceRuntime runtime, String key, ServiceRuntime.KeyRuntime keyRuntime, long estimate,
      boolean turn, long admittedAt) {
    this.admittedAt = admittedAt;
    this.runtime = runtime;
    this.key = key;
    this.keyRuntime = keyRuntime;
    this.estimate = estimate;
    this.turn = turn;
  }

  private void endTurn() {
    if (turn) {
      runtime.releaseTurn();
    }
  }

  @Override
  public String service() {
    return runtime.name();
  }

  @Override
  public String key() {
    return key;
  }

  @Override
  public Cost estimate() {
    return Cost.ofNanos(estimate);
  }

  @Override
  public void commit(Cost actual) {
    if (actual != null && actual.isNegative()) {
      throw new IllegalArgumentException("actual cost must not be negative, got " + actual);
    }
    if (end()) {
      try {
        runtime.succeeded(key, keyRuntime, estimate, actual == null ? -1 : actual.nanos(), admittedAt);
      } finally {
        endTurn();
      }
    }
  }

  @Override
  public void commitResult(Object result) {
    if (end()) {
      try {
        long real = runtime.costOfResult(result, estimate);
        if (turn && real < 0) {
          real = runtime.unpricedTurn(key, result);
        }
        runtime.succeeded(key, keyRuntime, estimate, real, admittedAt);
      } finally {
        endTurn();
      }
    }
  }

  /**
   * Whether {@link #commitResult} can price a result: {@code false} for a service with neither a
   * cost extractor nor one found on the class path (one given a fixed {@code estimate(...)}), where
   * it charges the estimate. A caller that can price the result itself (a stream helper over its
   * provider's bundled table) commits that price instead.
   *
   * @return whether the service prices results
   */
  public boolean pricesResults() {
    return runtime.pricesResults();
  }

  @Override
  public void fail(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    if (end()) {
      try {
        runtime.failed(keyRuntime, estimate, failure, admittedAt);
      } finally {
        endTurn();
      }
    }
  }

  @Override
  public void close() {
    if (end()) {
      try {
        runtime.release(keyRuntime, estimate, admittedAt);
      } finally {
        endTurn();
      }
    }
  }

  @Override
  public String toString() {
    return "Reservation[" + runtime.name() + (key == null ? "" : ", key=" + key) + ", " + estimate() + ", "
        + (done != 0 ? "ended" : "open") + "]";
  }
}
