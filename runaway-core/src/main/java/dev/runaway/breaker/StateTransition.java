package dev.runaway.breaker;

import java.time.Instant;

/**
 * One change of a circuit breaker's state, as passed to
 * {@link CircuitBreaker#onStateChange(java.util.function.Consumer)} listeners.
 *
 * @param breaker the breaker's name (the service)
 * @param from the state before
 * @param to the state after
 * @param reason why it opened, or {@code null} for transitions that are not trips
 * @param detail what happened, for people; never {@code null}
 * @param time when it happened
 */
public record StateTransition(String breaker, CircuitBreaker.State from, CircuitBreaker.State to,
    TripReason reason, String detail, Instant time) {}
