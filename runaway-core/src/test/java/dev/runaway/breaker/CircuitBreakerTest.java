package dev.runaway.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.runaway.ManualTicker;
import dev.runaway.breaker.CircuitBreaker.State;
import dev.runaway.testing.LogCapture;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

final class CircuitBreakerTest {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final ManualTicker ticker = ManualTicker.create();
  private final List<StateTransition> events = new ArrayList<>();

  private CircuitBreaker breaker(CircuitBreakerConfig.Builder config) {
    CircuitBreaker b = CircuitBreaker.of("openai", config.build(), ticker);
    b.onStateChange(events::add);
    return b;
  }

  private CircuitBreaker breaker() {
    return breaker(CircuitBreakerConfig.builder().waitInOpenState(WAIT).permittedCallsInHalfOpenState(3));
  }
  /** A breaker tripped for {@code reason} whose open wait has just passed: its next call is a trial. */
  private CircuitBreaker waitedOut(TripReason reason, String detail) {
    CircuitBreaker b = breaker();
    b.trip(reason, detail);
    ticker.advance(WAIT);
    return b;
  }


  @Test
  void newBreaker_isClosedAndPermitsCalls() {
    CircuitBreaker b = breaker();
    assertThat(b.name()).isEqualTo("openai");
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.tripReason()).isEmpty();
    assertThat(b.tripDetail()).isEmpty();
    assertThat(b.retryAfter()).contains(Duration.ZERO);
    assertThat(events).isEmpty();
  }

  @Test
  void trip_opensRefusesCallsAndTellsWhyAndWhen() {
    CircuitBreaker b = breaker();
    assertThat(b.trip(TripReason.BURN_RATE, "spend at 100x baseline")).isTrue();

    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tryAcquirePermission()).isFalse();
    assertThat(b.tripReason()).contains(TripReason.BURN_RATE);
    assertThat(b.tripDetail()).contains("spend at 100x baseline");
    assertThat(b.retryAfter()).contains(WAIT);
    ticker.advance(Duration.ofSeconds(45));
    assertThat(b.retryAfter()).contains(Duration.ofSeconds(15));
    assertThat(events).singleElement().satisfies(t -> {
      assertThat(t.breaker()).isEqualTo("openai");
      assertThat(t.from()).isEqualTo(State.CLOSED);
      assertThat(t.to()).isEqualTo(State.OPEN);
      assertThat(t.reason()).isEqualTo(TripReason.BURN_RATE);
      assertThat(t.detail()).isEqualTo("spend at 100x baseline");
      assertThat(t.time()).isEqualTo(ManualTicker.create().instant());
    });
  }

  @Test
  void trip_whileOpenForcedOpenOrDisabled_isANoOpReturningFalse() {
    CircuitBreaker b = breaker();
    b.trip(TripReason.BUDGET, "first");
    assertThat(b.trip(TripReason.BURN_RATE, "second")).isFalse();
    assertThat(b.tripReason()).contains(TripReason.BUDGET);
    assertThat(b.tripDetail()).contains("first");

    b.forceOpen("by hand");
    assertThat(b.trip(TripReason.BURN_RATE, "third")).isFalse();
    assertThat(b.state()).isEqualTo(State.FORCED_OPEN);

    b.reset();
    b.disable();
    assertThat(b.trip(TripReason.BURN_RATE, "fourth")).isFalse();
    assertThat(b.state()).isEqualTo(State.DISABLED);
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(events).extracting(StateTransition::to)
        .containsExactly(State.OPEN, State.FORCED_OPEN, State.CLOSED, State.DISABLED);
  }

  @Test
  void open_movesToHalfOpenOnceTheWaitHasPassed_withoutSleeping() {
    CircuitBreaker b = breaker();
    b.trip(TripReason.CALL_RATE, "calls at 50x baseline");

    ticker.advance(WAIT.minusNanos(1));
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tryAcquirePermission()).isFalse();
    assertThat(b.retryAfter()).contains(Duration.ofNanos(1));

    ticker.advanceNanos(1);
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    assertThat(b.retryAfter()).contains(Duration.ZERO);
    assertThat(b.tripReason()).as("still the reason it opened").contains(TripReason.CALL_RATE);
    assertThat(events).extracting(StateTransition::from, StateTransition::to)
        .containsExactly(tuple(State.CLOSED, State.OPEN), tuple(State.OPEN, State.HALF_OPEN));
  }

  @Test
  void state_readAloneReportsHalfOpenOnceTheWaitHasPassed() {
    CircuitBreaker b = waitedOut(TripReason.BUDGET, "hourly budget spent");
    assertThat(b.toString()).isEqualTo("CircuitBreaker[openai, HALF_OPEN (BUDGET)]");
    assertThat(events).hasSize(1);
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    assertThat(events).extracting(StateTransition::to).containsExactly(State.OPEN, State.HALF_OPEN);
  }

  @Test
  void halfOpen_admitsExactlyThePermittedTrialCalls_thenClosesWhenAllSucceed() {
    CircuitBreaker b = waitedOut(TripReason.BURN_RATE, "runaway");

    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.tryAcquirePermission()).isFalse();
    b.onSuccess();
    b.onSuccess();
    assertThat(b.state()).isEqualTo(State.HALF_OPEN);
    assertThat(b.tryAcquirePermission()).as("permits are not handed back by results").isFalse();
    b.onSuccess();

    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.tripReason()).isEmpty();
    assertThat(events).last().satisfies(t -> {
      assertThat(t.from()).isEqualTo(State.HALF_OPEN);
      assertThat(t.to()).isEqualTo(State.CLOSED);
      assertThat(t.reason()).isNull();
      assertThat(t.detail()).isEqualTo("3 trial calls succeeded");
    });
  }

  @Test
  void halfOpen_releasedPermitGoesBackToTheNextTrialCall_andReleaseElsewhereDoesNothing() {
    CircuitBreaker b = breaker(CircuitBreakerConfig.builder().waitInOpenState(WAIT).permittedCallsInHalfOpenState(1));
    b.releasePermission();
    assertThat(b.state()).isEqualTo(State.CLOSED);
    b.trip(TripReason.BURN_RATE, "runaway");
    b.releasePermission();
    ticker.advance(WAIT);
    b.releasePermission();
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.tryAcquirePermission()).isFalse();

    b.releasePermission(); // the trial call was refused by a budget after all
    b.releasePermission(); // a second release has no permit to give back

    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.tryAcquirePermission()).isFalse();
    b.onSuccess();
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void halfOpen_anyTrialFailure_reopensWithTheOriginalReasonAndAFreshWait() {
    CircuitBreaker b = waitedOut(TripReason.MONITOR, "account-wide spend at 8x baseline");
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.tryAcquirePermission()).isTrue();
    b.onSuccess();
    b.onFailure(new IOException("HTTP 500"));

    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tripReason()).contains(TripReason.MONITOR);
    assertThat(b.tripDetail()).contains("account-wide spend at 8x baseline");
    assertThat(b.retryAfter()).contains(WAIT);
    assertThat(events).last().satisfies(t -> {
      assertThat(t.to()).isEqualTo(State.OPEN);
      assertThat(t.reason()).isEqualTo(TripReason.MONITOR);
      assertThat(t.detail()).contains("trial call failed", "java.io.IOException").doesNotContain("HTTP 500");
    });
    b.onSuccess();
    assertThat(b.state()).as("a late success in open state does nothing").isEqualTo(State.OPEN);
  }

  @Test
  void halfOpen_trip_reopensWithTheNewReason() {
    CircuitBreaker b = waitedOut(TripReason.BURN_RATE, "runaway");
    assertThat(b.trip(TripReason.BUDGET, "daily budget spent")).isTrue();
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tripReason()).contains(TripReason.BUDGET);
  }

  @Test
  void openAndForcedOpen_ignoreReportedOutcomes() {
    CircuitBreaker b = breaker(CircuitBreakerConfig.builder().failureThreshold(1));
    b.trip(TripReason.BURN_RATE, "runaway");
    b.onSuccess();
    b.onFailure(new IOException());
    assertThat(b.state()).isEqualTo(State.OPEN);
    b.forceOpen("ops");
    b.onSuccess();
    b.onFailure(new IOException());
    assertThat(b.state()).isEqualTo(State.FORCED_OPEN);
    assertThat(events).hasSize(2);
  }

  @Test
  void manualHalfOpen_staysOpenUntilReset() {
    CircuitBreaker b = breaker(CircuitBreakerConfig.builder().waitInOpenState(WAIT).automaticHalfOpen(false));
    b.trip(TripReason.BUDGET, "daily budget spent");
    assertThat(b.retryAfter()).isEmpty();

    ticker.advance(Duration.ofDays(3));
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tryAcquirePermission()).isFalse();
    assertThat(b.retryAfter()).isEmpty();

    b.reset();
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(events).extracting(StateTransition::to).containsExactly(State.OPEN, State.CLOSED);
  }

  @Test
  void forceOpen_refusesCallsForeverUntilReset() {
    CircuitBreaker b = breaker();
    b.forceOpen("incident 42");
    assertThat(b.tripReason()).contains(TripReason.MANUAL);
    assertThat(b.tripDetail()).contains("incident 42");
    assertThat(b.retryAfter()).isEmpty();
    ticker.advance(Duration.ofDays(1));
    assertThat(b.tryAcquirePermission()).isFalse();
    b.disable();
    assertThat(b.state()).as("only reset leaves forced open").isEqualTo(State.FORCED_OPEN);
    b.reset();
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void disable_permitsEverythingAndNeverTrips_untilReset() {
    CircuitBreaker b = breaker(CircuitBreakerConfig.builder().failureThreshold(1));
    b.trip(TripReason.BURN_RATE, "runaway");
    b.disable();
    assertThat(b.state()).isEqualTo(State.DISABLED);
    assertThat(b.tryAcquirePermission()).isTrue();
    assertThat(b.retryAfter()).contains(Duration.ZERO);
    assertThat(b.tripReason()).isEmpty();
    b.onFailure(new IOException());
    assertThat(b.trip(TripReason.BUDGET, "x")).isFalse();
    assertThat(b.state()).isEqualTo(State.DISABLED);

    b.reset();
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(events).extracting(StateTransition::to).containsExactly(State.OPEN, State.DISABLED, State.CLOSED);
  }

  @Test
  void failureThreshold_consecutiveFailuresOpenWithReasonFailures() {
    CircuitBreaker b = breaker(CircuitBreakerConfig.builder().failureThreshold(3));
    b.onFailure(new IOException());
    b.onFailure(new IOException());
    b.onSuccess();
    b.onFailure(new IOException());
    b.onFailure(new IOException());
    assertThat(b.state()).as("a success in between resets the count").isEqualTo(State.CLOSED);

    b.onFailure(new IllegalStateException("secret-ish message"));
    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(b.tripReason()).contains(TripReason.FAILURES);
    assertThat(b.tripDetail()).hasValueSatisfying(d -> assertThat(d)
        .isEqualTo("3 consecutive calls failed, the last with java.lang.IllegalStateException"));
  }

  @Test
  void failureThreshold_zeroNeverOpens() {
    CircuitBreaker b = breaker(CircuitBreakerConfig.builder().failureThreshold(0));
    for (int i = 0; i < 10_000; i++) {
      b.onFailure(new IOException());
    }
    assertThat(b.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void reset_whenClosed_forgetsFailuresWithoutAnEvent() {
    CircuitBreaker b = breaker(CircuitBreakerConfig.builder().failureThreshold(2));
    b.onFailure(new IOException());
    b.reset();
    b.onFailure(new IOException());
    assertThat(b.state()).isEqualTo(State.CLOSED);
    assertThat(events).isEmpty();
  }

  @Test
  void listenerThatThrows_isLoggedWarnOnceThenDebug_andNeitherTheBreakerNorOtherListenersSuffer() {
    CircuitBreaker b = CircuitBreaker.of("stripe", CircuitBreakerConfig.defaults(), ticker);
    b.onStateChange(t -> {
      throw new IllegalStateException("listener bug");
    });
    b.onStateChange(events::add);
    int mark = LogCapture.mark();

    assertThat(b.trip(TripReason.BUDGET, "spent")).isTrue();
    b.reset();
    b.trip(TripReason.BUDGET, "spent again");

    assertThat(b.state()).isEqualTo(State.OPEN);
    assertThat(events).hasSize(3);
    List<LogCapture.Event> failures = LogCapture.since(mark).stream()
        .filter(e -> e.message().contains("listener failed")).toList();
    assertThat(failures).extracting(LogCapture.Event::level).containsExactly(Level.WARN, Level.DEBUG, Level.DEBUG);
    assertThat(failures.get(0).message()).contains("stripe");
    assertThat(failures.get(0).thrown()).contains("listener bug");
  }

  @Test
  void listenerThatChangesTheBreaker_seesTheChangesInOrder() {
    CircuitBreaker b = breaker();
    b.onStateChange(t -> {
      if (t.to() == State.OPEN) {
        b.forceOpen("escalated by listener");
      }
    });
    b.trip(TripReason.BURN_RATE, "runaway");
    assertThat(b.state()).isEqualTo(State.FORCED_OPEN);
    assertThat(events).extracting(StateTransition::from, StateTransition::to)
        .containsExactly(tuple(State.CLOSED, State.OPEN), tuple(State.OPEN, State.FORCED_OPEN));
  }

  @Test
  void tryAcquirePermission_whenClosedOrDisabled_allocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    CircuitBreaker b = breaker();
    for (int i = 0; i < 20_000; i++) {
      b.tryAcquirePermission(); // warm up, so that class loading is not counted
    }
    // The smallest object is 16 bytes: allocating per call would show as >= 16 bytes per call.
    // Under 1 byte per call leaves room for what the JVM itself allocates meanwhile (compilation).
    int calls = 1_000_000;
    long before = threads.getCurrentThreadAllocatedBytes();
    boolean all = true;
    for (int i = 0; i < calls; i++) {
      all &= b.tryAcquirePermission();
    }
    b.disable();
    long middle = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < calls; i++) {
      all &= b.tryAcquirePermission();
    }
    long after = threads.getCurrentThreadAllocatedBytes();
    assertThat(all).isTrue();
    assertThat(middle - before).as("bytes allocated by a million closed permissions").isLessThan(calls);
    assertThat(after - middle).as("bytes allocated by a million disabled permissions").isLessThan(calls);
  }

  @Test
  void toString_showsNameAndState() {
    CircuitBreaker b = breaker();
    assertThat(b).hasToString("CircuitBreaker[openai, CLOSED]");
    b.trip(TripReason.BUDGET, "x");
    assertThat(b).hasToString("CircuitBreaker[openai, OPEN (BUDGET)]");
  }

  @Test
  void config_rejectsBadValuesNamingTheField() {
    assertThatThrownBy(() -> CircuitBreakerConfig.builder().waitInOpenState(Duration.ZERO))
        .hasMessageContaining("waitInOpenState");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder().permittedCallsInHalfOpenState(0))
        .hasMessageContaining("permittedCallsInHalfOpenState");
    assertThatThrownBy(() -> CircuitBreakerConfig.builder().failureThreshold(-1)).hasMessageContaining("failureThreshold");
    assertThatThrownBy(() -> breaker().trip(null, "x")).isInstanceOf(NullPointerException.class);
    assertThat(CircuitBreakerConfig.defaults().waitInOpenState()).isEqualTo(Duration.ofSeconds(60));
  }
}
