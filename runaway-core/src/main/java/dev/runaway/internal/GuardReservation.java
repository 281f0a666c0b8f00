package dev.runaway.internal;

import dev.runaway.Cost;
import dev.runaway.Reservation;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/** A reservation made through {@link ServiceRuntime#reserve(String, long)}. */
public final class GuardReservation implements Reservation {

  private final ServiceRuntime runtime;
  private final String key;
  private final ServiceRuntime.KeyRuntime keyRuntime;
  private final long estimate;
  private final AtomicBoolean done = new AtomicBoolean();

  GuardReservation(ServiceRuntime runtime, String key, ServiceRuntime.KeyRuntime keyRuntime, long estimate) {
    this.runtime = runtime;
    this.key = key;
    this.keyRuntime = keyRuntime;
    this.estimate = estimate;
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
    if (done.compareAndSet(false, true)) {
      runtime.succeeded(key, keyRuntime, estimate, actual == null ? estimate : actual.nanos());
    }
  }

  @Override
  public void commitResult(Object result) {
    if (done.compareAndSet(false, true)) {
      runtime.succeeded(key, keyRuntime, estimate, runtime.costOf(result, estimate));
    }
  }

  @Override
  public void fail(Throwable failure) {
    Objects.requireNonNull(failure, "failure");
    if (done.compareAndSet(false, true)) {
      runtime.failed(keyRuntime, estimate, failure);
    }
  }

  @Override
  public void close() {
    if (done.compareAndSet(false, true)) {
      runtime.release(keyRuntime, estimate);
    }
  }

  @Override
  public String toString() {
    return "Reservation[" + runtime.name() + (key == null ? "" : ", key=" + key) + ", " + estimate() + ", "
        + (done.get() ? "ended" : "open") + "]";
  }
}
