package dev.runaway.breaker.internal;

import dev.runaway.Ticker;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/** The breaker's state machine. */
public final class DefaultCircuitBreaker implements CircuitBreaker {
  private final String name;

  /**
   * Creates a breaker.
   *
   * @param name name
   * @param config config
   * @param ticker ticker
   */
  public DefaultCircuitBreaker(String name, CircuitBreakerConfig config, Ticker ticker) {
    this.name = name;
  }

  @Override public String name() { return name; }
  @Override public State state() { return State.CLOSED; }
  @Override public boolean tryAcquirePermission() { return true; }
  @Override public void onSuccess() {}
  @Override public void onFailure(Throwable failure) {}
  @Override public boolean trip(TripReason reason, String detail) { throw new UnsupportedOperationException(); }
  @Override public void forceOpen(String why) { throw new UnsupportedOperationException(); }
  @Override public void reset() {}
  @Override public void disable() {}
  @Override public void onStateChange(Consumer<StateTransition> listener) {}
  @Override public Optional<TripReason> tripReason() { return Optional.empty(); }
  @Override public Optional<String> tripDetail() { return Optional.empty(); }
  @Override public Optional<Duration> retryAfter() { return Optional.of(Duration.ZERO); }
}
