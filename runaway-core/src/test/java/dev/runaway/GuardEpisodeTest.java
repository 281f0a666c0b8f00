package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A whole runaway episode through the guard: learn, run away, trip, stop, resolve. */
final class GuardEpisodeTest {

  @Test
  void runaway_tripsTheBreakerThenResolvesOnceCallsStop() {
    ManualTicker ticker = ManualTicker.create();
    List<Alert> alerts = new CopyOnWriteArrayList<>();
    RunawayGuard guard = GuardLoops.llmGuardAfterTwoSteadyDays(ticker, alerts);
    assertThat(guard.snapshot("llm").baselineReady()).isTrue();
    assertThat(alerts).noneMatch(a -> a.type() == AlertType.USAGE_SPIKE);

    // A loop at 100x: 1,000 calls a minute.
    int admitted = GuardLoops.callsUntilOpen(() -> guard.call("llm", Cost.usd("0.01"), () -> 1), ticker,
        Duration.ofMillis(60), 1_000);
    assertThat(guard.breaker("llm").state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(guard.breaker("llm").tripReason()).hasValueSatisfying(
        r -> assertThat(r).isIn(TripReason.BURN_RATE, TripReason.CALL_RATE));
    // The minute before the loop was normal: the breaker trips once the loop has spent an hour of the
    // usual (about 600 calls of the usual 10 a minute) within its first minute.
    assertThat(admitted).isBetween(500, 700);
    assertThatThrownBy(() -> guard.call("llm", Cost.usd("0.01"), () -> 1)).isInstanceOf(CircuitOpenException.class);

    // The loop stops. With no call at all, only the guard's clock lets the meter see the quiet.
    ticker.advance(Duration.ofHours(2));
    guard.tick();
    assertThat(alerts).filteredOn(a -> a.type() == AlertType.USAGE_SPIKE && "true".equals(a.facts().get("resolved")))
        .hasSize(1);
    guard.tick();
    assertThat(alerts).filteredOn(a -> "true".equals(a.facts().get("resolved")) && a.type() == AlertType.USAGE_SPIKE)
        .hasSize(1);
    guard.close();
  }
}
