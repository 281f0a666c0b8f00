package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.CircuitBreakerConfig;
import dev.runaway.breaker.TripReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Issue 19: refusals by an open breaker share one exception per open period, and it still tells the truth. */
final class RefusalExceptionTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final RunawayGuard guard = RunawayGuard.builder()
      .service("openai", s -> s.budgetHorizon(Duration.ZERO).budget(Budget.hourly(Cost.usd("100")))
          .perKeyBudget(Budget.daily(Cost.usd("10")))
          .breaker(CircuitBreakerConfig.builder().waitInOpenState(Duration.ofSeconds(30)).build()))
      .ticker(ticker)
      .alertSink(a -> { })
      .build();

  private CircuitOpenException refused(String key) {
    return assertThrows(CircuitOpenException.class, () -> {
      if (key == null) {
        guard.call("openai", Cost.usd("0.01"), () -> "never");
      } else {
        guard.service("openai").forKey(key).call(Cost.usd("0.01"), () -> "never");
      }
    });
  }

  @Test
  void refusal_saysServiceReasonAndRetryAfter() {
    guard.breaker("openai").trip(TripReason.BURN_RATE, "spend rate $90/h is above 5x its baseline.");
    ticker.advance(Duration.ofSeconds(10));

    CircuitOpenException e = refused(null);
    assertThat(e.service()).isEqualTo("openai");
    assertThat(e.key()).isNull();
    assertThat(e.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(e.reason()).isEqualTo(TripReason.BURN_RATE);
    assertThat(e.detail()).isEqualTo("spend rate $90/h is above 5x its baseline.");
    // 20 s remain; a shared exception may say up to one second more, never less.
    assertThat(e.retryAfter()).hasValueSatisfying(d -> assertThat(d)
        .isBetween(Duration.ofSeconds(20), Duration.ofSeconds(21)));
    assertThat(e.getMessage()).contains("Circuit breaker of openai is OPEN, tripped by BURN_RATE: spend rate $90/h")
        .contains("A trial call is allowed in 21s.");
  }

  @Test
  void forcedOpenRefusal_saysWhoForcedItWithoutATripReason() {
    guard.breaker("openai").forceOpen("Opened by the fleet: web-3: openai spends $53.10/h");

    CircuitOpenException e = refused(null);
    assertThat(e.reason()).isEqualTo(TripReason.MANUAL);
    assertThat(e.getMessage()).startsWith("Circuit breaker of openai is FORCED_OPEN: Opened by the fleet: web-3: "
        + "openai spends $53.10/h.").contains("Calls resume after a manual reset.").doesNotContain("tripped by");
  }

  @Test
  void refusal_isSharedWithinOneOpenPeriodAndRebuiltAsTimePasses() {
    guard.breaker("openai").trip(TripReason.BURN_RATE, "loop");
    CircuitOpenException first = refused(null);
    assertThat(refused(null)).isSameAs(first);
    ticker.advance(Duration.ofMillis(999));
    assertThat(refused(null)).isSameAs(first);

    ticker.advance(Duration.ofMillis(1));
    CircuitOpenException later = refused(null);
    assertThat(later).isNotSameAs(first);
    assertThat(later.retryAfter().orElseThrow()).isLessThan(first.retryAfter().orElseThrow());
  }

  @Test
  void refusal_isRebuiltWhenTheBreakerChangesState() {
    CircuitBreaker b = guard.breaker("openai");
    b.trip(TripReason.BURN_RATE, "loop");
    CircuitOpenException tripped = refused(null);
    b.forceOpen("maintenance");
    CircuitOpenException forced = refused(null);
    assertThat(forced).isNotSameAs(tripped);
    assertThat(forced.state()).isEqualTo(CircuitBreaker.State.FORCED_OPEN);
    assertThat(forced.reason()).isEqualTo(TripReason.MANUAL);
    assertThat(forced.retryAfter()).isEmpty();
    assertThat(forced.getMessage()).contains("Calls resume after a manual reset.");
  }

  @Test
  void refusal_namesTheKeyOfEachRefusedCall() {
    guard.breaker("openai").trip(TripReason.BURN_RATE, "loop");
    CircuitOpenException a = refused("tenant-a");
    CircuitOpenException b = refused("tenant-b");
    CircuitOpenException none = refused(null);
    assertThat(a.key()).isEqualTo("tenant-a");
    assertThat(a.getMessage()).contains("(call for key 'tenant-a')");
    assertThat(b.key()).isEqualTo("tenant-b");
    assertThat(none.key()).isNull();
    assertThat(refused("tenant-a")).isSameAs(a);
  }

  @Test
  void refusal_sharedExceptionCannotBeChangedByACatcher() {
    guard.breaker("openai").trip(TripReason.BURN_RATE, "loop");
    CircuitOpenException e = refused(null);
    e.addSuppressed(new IllegalStateException("added by one catcher"));
    e.setStackTrace(new StackTraceElement[] {new StackTraceElement("C", "m", "F.java", 1)});
    assertThatThrownBy(() -> e.initCause(new IllegalStateException("cause")))
        .isInstanceOf(IllegalStateException.class);

    CircuitOpenException again = refused(null);
    assertThat(again).isSameAs(e);
    assertThat(again.getSuppressed()).isEmpty();
    assertThat(again.getStackTrace()).isEmpty();
    assertThat(again.getCause()).isNull();
  }
}
