package dev.runaway.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.CircuitOpenException;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.breaker.TripReason;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

final class RepeatedRequestsTest {

  private final ManualTicker ticker = ManualTicker.create();
  private final RunawayGuard guard = RunawayGuard.builder()
      .service("llm", s -> s.budget(Budget.hourly(Cost.usd("100"))))
      .ticker(ticker).alertSink(a -> { }).build();

  @Test
  void observe_theEighthIdenticalRequestWithinTenMinutesTripsWithItsOwnReason() {
    RepeatedRequests loops = RepeatedRequests.withDefaults(ticker);
    CircuitBreaker breaker = guard.breaker("llm");
    String fp = RepeatedRequests.fingerprint(List.of("gpt-4o-mini", "user: what is 2+2?"));
    for (int i = 1; i < RepeatedRequests.DEFAULT_MAX_REPEATS; i++) {
      assertThat(loops.observe(breaker, "alice", fp)).as("repeat %d", i).isFalse();
      ticker.advance(Duration.ofSeconds(30));
    }
    assertThat(loops.observe(breaker, "alice", fp)).isTrue();
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThatThrownBy(() -> guard.call("llm", Cost.usd("0.01"), () -> "x"))
        .isInstanceOf(CircuitOpenException.class)
        .satisfies(e -> assertThat(((CircuitOpenException) e).reason()).isEqualTo(TripReason.REPEATED_REQUEST))
        .hasMessageContaining("was sent 8 times within 10m: a loop repeating itself");
  }

  @Test
  void observe_repeatsSpreadWiderThanTheWindowNeverTrip() {
    RepeatedRequests loops = RepeatedRequests.builder().maxRepeats(3).window(Duration.ofMinutes(1)).ticker(ticker).build();
    CircuitBreaker breaker = guard.breaker("llm");
    String fp = RepeatedRequests.fingerprint(List.of("m", "hello"));
    for (int i = 0; i < 50; i++) {
      assertThat(loops.observe(breaker, null, fp)).isFalse();
      ticker.advance(Duration.ofSeconds(31));
    }
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void observe_differentRequestsOrKeysAreCountedApart() {
    RepeatedRequests loops = RepeatedRequests.builder().maxRepeats(3).ticker(ticker).build();
    CircuitBreaker breaker = guard.breaker("llm");
    for (int i = 0; i < 10; i++) {
      // A healthy tool loop: the conversation grows every round trip.
      assertThat(loops.observe(breaker, "a", RepeatedRequests.fingerprint(List.of("m", "turn " + i)))).isFalse();
    }
    String same = RepeatedRequests.fingerprint(List.of("m", "same"));
    assertThat(loops.observe(breaker, "a", same)).isFalse();
    assertThat(loops.observe(breaker, "b", same)).isFalse();
    assertThat(loops.observe(breaker, "c", same)).isFalse();
    assertThat(loops.observe(breaker, "a", same)).isFalse();
    assertThat(loops.observe(breaker, "a", same)).isTrue();
  }

  @Test
  void fingerprint_isOrderAndBoundarySensitive() {
    assertThat(RepeatedRequests.fingerprint(List.of("ab", "c"))).isNotEqualTo(RepeatedRequests.fingerprint(List.of("a", "bc")));
    assertThat(RepeatedRequests.fingerprint(List.of("a", "b"))).isNotEqualTo(RepeatedRequests.fingerprint(List.of("b", "a")));
    assertThat(RepeatedRequests.fingerprint(List.of("a", "b"))).isEqualTo(RepeatedRequests.fingerprint(List.of("a", "b")))
        .hasSize(32);
  }

  @Test
  void builder_rejectsNonsenseNamingTheField() {
    assertThatThrownBy(() -> RepeatedRequests.builder().maxRepeats(1)).hasMessageContaining("maxRepeats must be 0 (off) or from 2 to 1000, got 1");
    assertThatThrownBy(() -> RepeatedRequests.builder().window(Duration.ZERO)).hasMessageContaining("window must be positive");
    RepeatedRequests off = RepeatedRequests.builder().maxRepeats(0).ticker(ticker).build();
    for (int i = 0; i < 100; i++) {
      assertThat(off.observe(guard.breaker("llm"), null, "x")).isFalse();
    }
  }

  @Test
  void oneKeysLoop_tripsThatKeysBreakerOnly_whenTheServiceKeepsPerKeyState() {
    RunawayGuard keyed = RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("100"))).perKeyBudget(Budget.hourly(Cost.usd("10"))))
        .ticker(ticker).alertSink(a -> { }).build();
    RepeatedRequests loops = RepeatedRequests.withDefaults(ticker);
    String fp = RepeatedRequests.fingerprint(List.of("gpt-4o-mini", "user: again?"));
    CircuitBreaker alices = keyed.service("llm").forKey("alice").breaker();
    assertThat(alices).isNotSameAs(keyed.breaker("llm"));
    for (int i = 1; i < RepeatedRequests.DEFAULT_MAX_REPEATS; i++) {
      assertThat(loops.observe(alices, "alice", fp)).isFalse();
    }
    assertThat(loops.observe(alices, "alice", fp)).isTrue();

    assertThatThrownBy(() -> keyed.service("llm").forKey("alice").call(Cost.usd("0.01"), () -> "x"))
        .isInstanceOf(CircuitOpenException.class)
        .satisfies(e -> assertThat(((CircuitOpenException) e).reason()).isEqualTo(TripReason.REPEATED_REQUEST));
    assertThat(keyed.service("llm").forKey("bob").call(Cost.usd("0.01"), () -> "bob's answer")).isEqualTo("bob's answer");
    assertThat(keyed.call("llm", Cost.usd("0.01"), () -> "no key")).isEqualTo("no key");
    assertThat(keyed.breaker("llm").state()).isEqualTo(CircuitBreaker.State.CLOSED);
  }

  @Test
  void aKeyOfAServiceWithoutPerKeyState_sharesTheServicesBreaker() {
    assertThat(guard.service("llm").forKey("alice").breaker()).isSameAs(guard.breaker("llm"));
  }
}
