package dev.runaway;

import dev.runaway.internal.Checks;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.internal.ServiceRuntime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The operations of a {@link RunawayGuard} bound to one service, and optionally to one key
 * (tenant, user, agent) of it: {@code guard.service("openai").forKey("tenant-42").call(...)}.
 *
 * <p>A key's calls count against the service's budgets and against the key's own per-key
 * budgets, so one tenant's runaway exhausts that tenant's budget without stopping the others.
 *
 * <p>Instances are immutable, cheap, and thread-safe.
 */
public final class ServiceGuard {

  private final ServiceRuntime runtime;
  private final String key;
  /**
   * The key's state, held so that calls skip the key lookup (issue 19); {@code null} for the
   * whole service, or when the service keeps no per-key state.
   */
  private final ServiceRuntime.KeyRuntime handle;

  ServiceGuard(ServiceRuntime runtime, String key) {
    this(runtime, key, null);
  }

  private ServiceGuard(ServiceRuntime runtime, String key, ServiceRuntime.KeyRuntime handle) {
    this.runtime = runtime;
    this.key = key;
    this.handle = handle;
  }

  /**
   * Returns the service's name.
   *
   * @return the name
   */
  public String name() {
    return runtime.name();
  }

  /**
   * Returns the key this guard is bound to.
   *
   * @return the key, or {@code null} for the whole service
   */
  public String key() {
    return key;
  }

  /**
   * Returns the same service bound to a key. Looks the key up once (creating its state if
   * needed) and returns the guard kept with that state, so that
   * {@code guard.service(name).forKey(key).call(...)} on every request allocates nothing and the
   * call itself does not look the key up again. Holding the returned guard is cheapest of all.
   *
   * @param key the key; not blank
   * @return the keyed guard
   */
  public ServiceGuard forKey(String key) {
    Checks.notBlank(key, "key");
    ServiceRuntime.KeyRuntime k = runtime.keyHandle(key);
    if (k == null) {
      return new ServiceGuard(runtime, key, null);
    }
    Object cached = ServiceRuntime.cachedGuard(k);
    if (cached instanceof ServiceGuard) {
      return (ServiceGuard) cached;
    }
    ServiceGuard g = new ServiceGuard(runtime, key, k);
    ServiceRuntime.cacheGuard(k, g);
    return g;
  }

  /**
   * Runs a call, reserving the service's running estimate per call.
   *
   * @param call the call
   * @param <T> the result type
   * @param <X> the call's exception
   * @return the call's result, or the cost extractor's replacement of it when its cost comes later
   *     ({@link CostExtractor#settleLater}: an LLM SDK's stream, charged its usage when that arrives)
   * @throws X the call's exception, unchanged
   * @throws RunawayException if the call is refused (it never started)
   * @see RunawayGuard#call(String, GuardedCall)
   */
  public <T, X extends Throwable> T call(GuardedCall<T, X> call) throws X {
    return runtime.call(key, handle, runtime.estimate(), call);
  }

  /**
   * Runs a call, reserving an explicit estimate.
   *
   * @param estimate the amount to reserve; not negative
   * @param call the call
   * @param <T> the result type
   * @param <X> the call's exception
   * @return the call's result, or the cost extractor's replacement of it when its cost comes later
   *     ({@link CostExtractor#settleLater}: an LLM SDK's stream, charged its usage when that arrives)
   * @throws X the call's exception, unchanged
   * @throws RunawayException if the call is refused (it never started)
   */
  public <T, X extends Throwable> T call(Cost estimate, GuardedCall<T, X> call) throws X {
    return runtime.call(key, handle, RunawayGuard.nanos(estimate), call);
  }

  /**
   * Runs an asynchronous call. A refusal completes the returned future exceptionally with the
   * {@link RunawayException}, without calling {@code call}.
   *
   * @param call starts the call
   * @param <T> the result type
   * @return the call's result
   */
  public <T> CompletableFuture<T> callAsync(Supplier<? extends CompletionStage<T>> call) {
    return RunawayGuard.async(runtime, key, runtime.estimate(), call);
  }

  /**
   * Runs an asynchronous call, reserving an explicit estimate. A refusal completes the returned
   * future exceptionally with the {@link RunawayException}, without calling {@code call}.
   *
   * @param estimate the amount to reserve; not negative
   * @param call starts the call
   * @param <T> the result type
   * @return the call's result
   */
  public <T> CompletableFuture<T> callAsync(Cost estimate, Supplier<? extends CompletionStage<T>> call) {
    return RunawayGuard.async(runtime, key, RunawayGuard.nanos(estimate), call);
  }

  /**
   * Reserves budget for a call whose cost is learned later (a stream, a batch).
   *
   * @param estimate the amount to reserve
   * @return the reservation, to commit or close
   * @throws RunawayException if refused
   */
  public Reservation reserve(Cost estimate) {
    return runtime.reserve(key, RunawayGuard.nanos(estimate));
  }

  /**
   * Records spend observed outside the guard.
   *
   * @param cost the spend; not negative
   */
  public void record(Cost cost) {
    runtime.record(key, RunawayGuard.nanos(cost));
  }

  /**
   * Returns the circuit breaker of this guard's calls: the service's for the whole service; for a
   * guard bound to a key, the key's own when the service keeps per-key state (per-key budgets or
   * {@code perKeyDetection}), so that tripping it (by hand, or by {@code RepeatedRequests} seeing
   * one key's loop) refuses that key's calls and no other's; otherwise the service's.
   *
   * @return the breaker
   */
  public CircuitBreaker breaker() {
    return key == null ? runtime.breaker() : runtime.breaker(key);
  }

  /**
   * Returns a snapshot of the service, or of this key.
   *
   * @return the snapshot
   */
  public ServiceSnapshot snapshot() {
    return runtime.snapshot(key);
  }

  @Override
  public String toString() {
    return "ServiceGuard[" + runtime.name() + (key == null ? "" : ", key=" + key) + "]";
  }
}
