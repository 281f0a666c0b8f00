package dev.runaway.breaker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreaker.State;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every (state, operation) pair of the state machine against the table of legal transitions. */
final class BreakerTransitionTableTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final ManualTicker ticker = ManualTicker.create();
  private final CircuitBreaker breaker = new DefaultCircuitBreaker("svc",
      CircuitBreakerConfig.builder().waitInOpenState(WAIT).permittedCallsInHalfOpenState(1).failureThreshold(3).build(),
      ticker);
  private final List<StateTransition> seen = new ArrayList<>();

  @ParameterizedTest(name = "{0} --{1}--> {2}")
  @CsvSource({
      "CLOSED, trip, OPEN",
      "CLOSED, forceOpen, FORCED_OPEN",
      "CLOSED, reset, CLOSED",
      "CLOSED, disable, DISABLED",
      "CLOSED, success, CLOSED",
      "CLOSED, failure, CLOSED",
      "CLOSED, waitElapses, CLOSED",
      "OPEN, trip, OPEN",
      "OPEN, forceOpen, FORCED_OPEN",
      "OPEN, reset, CLOSED",
      "OPEN, disable, DISABLED",
      "OPEN, success, OPEN",
      "OPEN, failure, OPEN",
      "OPEN, waitElapses, HALF_OPEN",
      "HALF_OPEN, trip, OPEN",
      "HALF_OPEN, forceOpen, FORCED_OPEN",
      "HALF_OPEN, reset, CLOSED",
      "HALF_OPEN, disable, DISABLED",
      "HALF_OPEN, success, HALF_OPEN",
      "HALF_OPEN, failure, HALF_OPEN",
      "HALF_OPEN, trialSuccess, CLOSED",
      "HALF_OPEN, trialFailure, OPEN",
      "HALF_OPEN, waitElapses, HALF_OPEN",
      "FORCED_OPEN, trip, FORCED_OPEN",
      "FORCED_OPEN, forceOpen, FORCED_OPEN",
      "FORCED_OPEN, reset, CLOSED",
      "FORCED_OPEN, disable, FORCED_OPEN",
      "FORCED_OPEN, success, FORCED_OPEN",
      "FORCED_OPEN, failure, FORCED_OPEN",
      "FORCED_OPEN, waitElapses, FORCED_OPEN",
      "DISABLED, trip, DISABLED",
      "DISABLED, forceOpen, FORCED_OPEN",
      "DISABLED, reset, CLOSED",
      "DISABLED, disable, DISABLED",
      "DISABLED, success, DISABLED",
      "DISABLED, failure, DISABLED",
      "DISABLED, waitElapses, DISABLED",
  })
  void operation_movesOnlyAlongLegalTransitions(State from, String operation, State expected) {
    bringTo(from);
    assertThat(breaker.state()).isEqualTo(from);
    breaker.onStateChange(seen::add);

    boolean tripped = apply(operation);

    assertThat(breaker.state()).isEqualTo(expected);
    if (expected == from) {
      assertThat(seen).as("no transition, no event").isEmpty();
    } else {
      assertThat(DefaultCircuitBreaker.isLegal(from, expected)).isTrue();
      assertThat(seen).extracting(StateTransition::from, StateTransition::to)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(from, expected));
    }
    if (operation.equals("trip")) {
      assertThat(tripped).as("trip reports whether it caused the transition").isEqualTo(expected != from);
    }
  }

  @Test
  void table_neverAllowsLeavingForcedOpenExceptByReset() {
    assertThat(DefaultCircuitBreaker.LEGAL.get(State.FORCED_OPEN)).containsExactly(State.CLOSED);
    for (State s : State.values()) {
      assertThat(DefaultCircuitBreaker.isLegal(s, s)).as("%s -> %s is not a transition", s, s).isFalse();
    }
  }

  private boolean apply(String operation) {
    switch (operation) {
      case "trip":
        return breaker.trip(TripReason.BURN_RATE, "100x baseline");
      case "forceOpen":
        breaker.forceOpen("maintenance");
        return false;
      case "reset":
        breaker.reset();
        return false;
      case "disable":
        breaker.disable();
        return false;
      case "success":
        breaker.onSuccess();
        return false;
      case "failure":
        breaker.onFailure(new IOException("boom"));
        return false;
      case "trialSuccess":
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onSuccess();
        return false;
      case "trialFailure":
        assertThat(breaker.tryAcquirePermission()).isTrue();
        breaker.onFailure(new IOException("boom"));
        return false;
      case "waitElapses":
        ticker.advance(WAIT);
        return false;
      default:
        throw new IllegalArgumentException(operation);
    }
  }

  private void bringTo(State state) {
    switch (state) {
      case CLOSED:
        break;
      case OPEN:
        breaker.trip(TripReason.BUDGET, "daily budget spent");
        break;
      case HALF_OPEN:
        breaker.trip(TripReason.BUDGET, "daily budget spent");
        ticker.advance(WAIT);
        break;
      case FORCED_OPEN:
        breaker.forceOpen("by hand");
        break;
      case DISABLED:
        breaker.disable();
        break;
      default:
        throw new IllegalArgumentException(state.toString());
    }
  }
}
