package dev.runaway.breaker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.breaker.CircuitBreaker.State;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.StateTransition;
import dev.runaway.breaker.TripReason;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A breaker with a caller gate: spend trips judge the caller, failures keep the error-based half-open. */
final class JudgedBreakerTest {

  /** A gate the test opens and shuts. */
  static final class Gate implements CallerGate {
    volatile boolean quiet;

    @Override
    public boolean quiet(long nowNanos) {
      return quiet;
    }

    @Override
    public String describe(long nowNanos) {
      return "attempts 0/min under 50/min for 10 min";
    }
  }

  private final ManualTicker ticker = ManualTicker.create();
  private final Gate gate = new Gate();
  private final DefaultCircuitBreaker breaker =
      new DefaultCircuitBreaker("llm", CircuitBreakerConfig.defaults(), ticker, gate);
  private final List<StateTransition> transitions = new CopyOnWriteArrayList<>();

  JudgedBreakerTest() {
    breaker.onStateChange(transitions::add);
  }

  @Test
  void spendTrip_trialSuccessesNeverClose_trialsArePaced_closesWhenTheCallerIsQuiet() {
    breaker.trip(TripReason.BURN_RATE, "spend 16x baseline");
    assertThat(breaker.tryAcquirePermission()).isFalse();
    ticker.advance(Duration.ofSeconds(60));
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    int permitted = 0;
    // Ten minutes of a looping caller: 10 attempts a second, every trial succeeds.
    for (int i = 0; i < 6_000; i++) {
      if (breaker.tryAcquirePermission()) {
        permitted++;
        breaker.onSuccess();
      }
      ticker.advance(Duration.ofMillis(100));
    }
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    assertThat(permitted).isEqualTo(30); // one per 20 s
    gate.quiet = true;
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(transitions).extracting(StateTransition::to).containsExactly(State.OPEN, State.HALF_OPEN, State.CLOSED);
    assertThat(transitions.get(2).detail()).contains("caller calmed down").contains("under 50/min");
  }

  @Test
  void spendTrip_doesNotCloseBeforeItsWaitEvenWhenQuiet() {
    gate.quiet = true;
    breaker.trip(TripReason.CALL_RATE, "calls 20x");
    ticker.advance(Duration.ofSeconds(30));
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    ticker.advance(Duration.ofSeconds(30));
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void reTrips_doubleTheWait_upToTheCap_andAQuietSpellForgetsThem() {
    long[] expected = {60, 120, 240, 480, 960, 1800, 1800};
    for (long seconds : expected) {
      breaker.trip(TripReason.BURN_RATE, "again");
      assertThat(breaker.retryAfter()).contains(Duration.ofSeconds(seconds));
      ticker.advance(Duration.ofSeconds(seconds));
      gate.quiet = true;
      assertThat(breaker.state()).isEqualTo(State.CLOSED);
      gate.quiet = false;
      ticker.advance(Duration.ofMinutes(1));
    }
    ticker.advance(Duration.ofMinutes(31));
    breaker.trip(TripReason.BURN_RATE, "much later");
    assertThat(breaker.retryAfter()).contains(Duration.ofSeconds(60));
  }

  @Test
  void failureTrip_keepsTheErrorBasedHalfOpen() {
    breaker.trip(TripReason.FAILURES, "3 failures");
    ticker.advance(Duration.ofSeconds(60));
    for (int i = 0; i < 3; i++) {
      assertThat(breaker.tryAcquirePermission()).isTrue();
    }
    assertThat(breaker.tryAcquirePermission()).isFalse();
    breaker.onSuccess();
    breaker.onSuccess();
    breaker.onSuccess();
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void withoutAGate_spendTripsKeepTheErrorBasedHalfOpen() {
    DefaultCircuitBreaker standalone = new DefaultCircuitBreaker("x", CircuitBreakerConfig.defaults(), ticker);
    standalone.trip(TripReason.BURN_RATE, "runaway");
    ticker.advance(Duration.ofSeconds(60));
    for (int i = 0; i < 3; i++) {
      assertThat(standalone.tryAcquirePermission()).isTrue();
      standalone.onSuccess();
    }
    assertThat(standalone.state()).isEqualTo(State.CLOSED);
  }

  @Test
  void pacedTrials_underContention_exactlyOnePermitPerInterval() throws Exception {
    for (int round = 0; round < 200; round++) {
      ManualTicker t = ManualTicker.create();
      DefaultCircuitBreaker b = new DefaultCircuitBreaker("llm", CircuitBreakerConfig.defaults(), t, new Gate());
      b.trip(TripReason.BURN_RATE, "runaway");
      t.advance(Duration.ofSeconds(60));
      int threads = 8;
      CyclicBarrier barrier = new CyclicBarrier(threads);
      AtomicInteger permits = new AtomicInteger();
      Thread[] ts = new Thread[threads];
      for (int i = 0; i < threads; i++) {
        ts[i] = new Thread(() -> {
          try {
            barrier.await();
            for (int j = 0; j < 100; j++) {
              if (b.tryAcquirePermission()) {
                permits.incrementAndGet();
              }
            }
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        ts[i].start();
      }
      for (Thread th : ts) {
        th.join();
      }
      assertThat(permits.get()).as("round " + round).isEqualTo(1);
    }
  }
}
