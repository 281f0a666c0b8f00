package dev.runaway.alert.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.ManualTicker;
import dev.runaway.alert.Alert;
import dev.runaway.alert.AlertType;
import dev.runaway.alert.Notifier;
import dev.runaway.alert.Severity;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.TripReason;
import dev.runaway.internal.GuardAlerts;
import dev.runaway.testing.ManualScheduler;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The breaker, the guard's breaker alerts and the dispatcher together: state changes become alert episodes. */
final class BreakerAlertEpisodesTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final ManualScheduler scheduler = new ManualScheduler(ticker);
  private final List<Alert> sent = Collections.synchronizedList(new ArrayList<>());
  private final Notifier recorder = sent::add;

  @Test
  void anEpisode_openHalfOpenFailedTrialThenClosed_sendsOpenedAndClosedOnly() {
    try (AlertDispatcher d = AlertDispatcher.builder().notifier(recorder).ticker(ticker).scheduler(AlertScheduler.on(scheduler))
        .executor(Runnable::run).build()) {
      CircuitBreaker b = CircuitBreaker.of("openai",
          CircuitBreakerConfig.builder().waitInOpenState(Duration.ofSeconds(60)).permittedCallsInHalfOpenState(1)
              .build(), ticker);
      b.onStateChange(t -> d.dispatch(GuardAlerts.breaker(t, null, null)));

      b.trip(TripReason.BURN_RATE, "spend at 40x baseline");
      ticker.advance(Duration.ofSeconds(60));
      b.tryAcquirePermission();
      b.onFailure(new RuntimeException());
      ticker.advance(Duration.ofSeconds(60));
      b.tryAcquirePermission();
      b.onSuccess();

      assertThat(sent).extracting(Alert::severity, Alert::title).containsExactly(
          org.assertj.core.groups.Tuple.tuple(Severity.CRITICAL, "Circuit breaker OPEN: openai calls are refused"),
          org.assertj.core.groups.Tuple.tuple(Severity.INFO, "Circuit breaker CLOSED: openai"));
      assertThat(sent.get(0).type()).isEqualTo(AlertType.CIRCUIT_BREAKER);
      assertThat(sent.get(0).detail()).startsWith("spend at 40x baseline");
      assertThat(sent.get(0).facts()).containsEntry("breaker", "OPEN").containsEntry("trip_reason", "BURN_RATE");
      assertThat(sent.get(1).facts()).containsEntry("resolved", "true");
      assertThat(d.stats().deduplicated()).as("half-open twice, re-open once").isEqualTo(3);
    }
  }

  @Test
  void sixteenThreadsTrippingAtOnce_raiseExactlyOneAlert() throws Exception {
    for (int round = 0; round < 200; round++) {
      sent.clear();
      DrivenExecutor exec = new DrivenExecutor();
      try (AlertDispatcher d = AlertDispatcher.builder().notifier(recorder).ticker(ticker).scheduler(AlertScheduler.on(scheduler))
          .executor(exec).refractory(Duration.ZERO).closeTimeout(Duration.ZERO).build()) {
        CircuitBreaker b = CircuitBreaker.of("openai", CircuitBreakerConfig.defaults(), ticker);
        b.onStateChange(t -> d.dispatch(GuardAlerts.breaker(t, null, null)));
        Race.run(16, i -> b.trip(TripReason.MONITOR, "account-wide runaway"));
        exec.runAll();
        // De-duplication is off here: the single alert comes from the single transition.
        assertThat(sent).as("round %d", round).hasSize(1);
      }
    }
  }
}
