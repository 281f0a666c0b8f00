package dev.runaway.breaker;

import dev.runaway.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A circuit breaker for one service: while it is open, calls fail fast without reaching the
 * service.
 *
 * <p>States and the transitions between them:
 * <pre>
 *   CLOSED    -- trip / forceOpen -------------&gt; OPEN / FORCED_OPEN
 *   OPEN      -- wait elapsed (automatic) -----&gt; HALF_OPEN
 *   HALF_OPEN -- all trial calls succeed ------&gt; CLOSED
 *   HALF_OPEN -- a trial call fails / trip ----&gt; OPEN
 *   CLOSED    -- failureThreshold failures ----&gt; OPEN (TripReason.FAILURES)
 *   any       -- reset() ----------------------&gt; CLOSED
 *   any but FORCED_OPEN -- disable() ---------&gt; DISABLED (always permits, never trips)
 *   any but FORCED_OPEN -- forceOpen ---------&gt; FORCED_OPEN (only reset() leaves it)
 * </pre>
 * Anything else is refused and has no effect: a trip while open, forced open or disabled; a
 * success or failure reported while open. Every change is one atomic transition: under any
 * contention each trip causes exactly one transition and one notification to the listeners.
 *
 * <p>Implementations are thread-safe; {@link #tryAcquirePermission()} is lock-free and does not
 * allocate when the breaker is closed.
 */
public interface CircuitBreaker {

  /** The states of a breaker. */
  enum State {
    /** Calls are permitted. */
    CLOSED,
    /** Calls are refused until the wait in open state has passed. */
    OPEN,
    /** A limited number of trial calls are permitted to test whether the service may be used again. */
    HALF_OPEN,
    /** Calls are refused until {@link CircuitBreaker#reset()}. */
    FORCED_OPEN,
    /** Calls are always permitted and the breaker never trips. */
    DISABLED
  }

  /**
   * Creates a standalone breaker.
   *
   * @param name the breaker's name, usually the service
   * @param config its configuration
   * @param ticker its source of time
   * @return a new breaker in state {@link State#CLOSED}
   */
  static CircuitBreaker of(String name, CircuitBreakerConfig config, Ticker ticker) {
    return new dev.runaway.breaker.internal.DefaultCircuitBreaker(name, config, ticker);
  }

  /**
   * Returns the breaker's name.
   *
   * @return the name
   */
  String name();

  /**
   * Returns the current state; an open breaker whose wait has passed reports
   * {@link State#HALF_OPEN} if half-open is automatic.
   *
   * @return the state
   */
  State state();

  /**
   * Asks to make one call. A caller that gets {@code true} must report the outcome with
   * {@link #onSuccess()} or {@link #onFailure(Throwable)} when the breaker is half-open.
   *
   * @return whether the call may proceed
   */
  boolean tryAcquirePermission();

  /**
   * Gives back a permission obtained from {@link #tryAcquirePermission()} for a call that was
   * not made after all (for example refused by a budget), so a half-open breaker does not wait
   * for its outcome. The default does nothing.
   */
  default void releasePermission() {}

  /** Reports that a permitted call succeeded. */
  void onSuccess();

  /**
   * Reports that a permitted call failed.
   *
   * @param failure the failure
   */
  void onFailure(Throwable failure);

  /**
   * Opens the breaker because of a runaway. Has no effect when the breaker is already open,
   * forced open or disabled (so a storm of trips causes one transition).
   *
   * @param reason why
   * @param detail what was seen, for people (no secrets)
   * @return whether this call caused the transition
   */
  boolean trip(TripReason reason, String detail);

  /**
   * Opens the breaker until {@link #reset()}, whatever its state; the trip reason is
   * {@link TripReason#MANUAL}.
   *
   * @param why the reason, for people
   */
  void forceOpen(String why);

  /** Closes the breaker and forgets its history. */
  void reset();

  /**
   * Disables the breaker: every call is permitted until {@link #reset()}. Has no effect when the
   * breaker is forced open, which only {@link #reset()} leaves.
   */
  void disable();

  /**
   * Registers a listener called after every state change, once per change and in the order of
   * the changes, on the thread that made the change (or, when two threads change the state at
   * the same moment, on the other one, right after its own change). A listener that throws is
   * logged and affects neither the breaker nor the other listeners. A listener may call the
   * breaker; the change it makes is delivered after the listener returns.
   *
   * @param listener the listener
   */
  void onStateChange(Consumer<StateTransition> listener);

  /**
   * Returns why the breaker last opened, while it is open, half-open or forced open.
   *
   * @return the reason, or empty when closed or disabled
   */
  Optional<TripReason> tripReason();

  /**
   * Returns what tripped the breaker, for people, while it is open.
   *
   * @return the detail, or empty when closed or disabled
   */
  Optional<String> tripDetail();

  /**
   * Returns how long until the breaker lets trial calls through.
   *
   * @return the remaining wait while open; zero when closed, half-open or disabled; empty when
   *     forced open, or open without automatic half-open, where only a manual reset helps
   */
  Optional<Duration> retryAfter();
}
