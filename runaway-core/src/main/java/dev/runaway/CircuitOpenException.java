package dev.runaway;

import dev.runaway.internal.Durations;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import java.time.Duration;

/**
 * Thrown when a call is refused because the service's circuit breaker does not permit calls.
 * The call was not started and nothing was charged.
 *
 * <p>So that a loop hammering an open breaker allocates nothing, the guard throws the same
 * instance for the refusals of one open period (same breaker state and key) within one second,
 * then builds a new one. Sharing is safe: the exception is immutable, has no stack trace, ignores
 * {@link #addSuppressed} and its cause cannot be set. Its {@link #retryAfter()} was computed when
 * it was built plus that second, so it may be up to a second late, never early.
 */
public final class CircuitOpenException extends RunawayException {

  private static final long serialVersionUID = 1L;

  private final CircuitBreaker.State state;
  private final TripReason reason;
  private final String detail;

  /**
   * Creates an exception.
   *
   * @param service the service
   * @param key the key of the refused call, or {@code null}
   * @param state the breaker's state
   * @param reason why the breaker opened, or {@code null} if it did not say
   * @param detail what tripped it, for people, or {@code null}
   * @param retryAfter when the breaker will let a trial call through, or {@code null} if it
   *     needs a manual reset
   */
  public CircuitOpenException(String service, String key, CircuitBreaker.State state, TripReason reason,
      String detail, Duration retryAfter) {
    super(message(service, key, state, reason, detail, retryAfter), service, key, retryAfter);
    this.state = state;
    this.reason = reason;
    this.detail = detail;
  }

  private static String message(String service, String key, CircuitBreaker.State state, TripReason reason,
      String detail, Duration retryAfter) {
    StringBuilder sb = new StringBuilder(160);
    sb.append("Circuit breaker of ").append(service);
    if (key != null) {
      sb.append(" (call for key '").append(key).append("')");
    }
    sb.append(" is ").append(state);
    // A forced-open breaker was opened by hand or by the fleet (its detail says which): "tripped
    // by MANUAL" would misread a fleet episode that another instance opened on its budget.
    if (reason != null && !(state == CircuitBreaker.State.FORCED_OPEN && reason == TripReason.MANUAL)) {
      sb.append(", tripped by ").append(reason);
    }
    if (detail != null && !detail.isEmpty()) {
      sb.append(": ").append(detail);
    }
    // A trip detail is often a sentence of its own: one full stop, not two.
    char last = sb.charAt(sb.length() - 1);
    if (last != '.' && last != '!' && last != '?') {
      sb.append('.');
    }
    if (retryAfter != null) {
      sb.append(" A trial call is allowed in ").append(Durations.human(retryAfter)).append('.');
    } else {
      sb.append(" Calls resume after a manual reset.");
    }
    return sb.toString();
  }

  /**
   * Returns the breaker's state when the call was refused.
   *
   * @return the state
   */
  public CircuitBreaker.State state() {
    return state;
  }

  /**
   * Returns why the breaker opened, or {@code null} if unknown.
   *
   * @return the trip reason or {@code null}
   */
  public TripReason reason() {
    return reason;
  }

  /**
   * Returns what tripped the breaker, for people, or {@code null}.
   *
   * @return the detail or {@code null}
   */
  public String detail() {
    return detail;
  }
}
