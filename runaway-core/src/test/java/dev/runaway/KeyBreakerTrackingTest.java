package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.internal.SavedBreakers;
import dev.runaway.internal.ServiceRuntime;
import dev.runaway.testing.Race;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/**
 * The state file's flush visits only the keys whose own breaker is not closed (it visited every
 * key: 12 ms a flush with 100,000 keys and none open), and that set follows the breakers exactly:
 * transitions, resets, evictions, and transitions racing on real threads.
 */
final class KeyBreakerTrackingTest {

  private final ManualTicker ticker = ManualTicker.create();

  private RunawayGuard guard() {
    return RunawayGuard.builder()
        .service("svc", s -> s.perKeyBudget(Budget.daily(Cost.usd("5"))).keyIdleExpiry(Duration.ofHours(1)))
        .ticker(ticker).alertSink(a -> { }).build();
  }

  private static List<String> saved(ServiceRuntime rt, long now) {
    List<SavedBreakers.Entry> out = new ArrayList<>();
    rt.keyBreakersToSave(now, 0, false, out);
    return out.stream().map(SavedBreakers.Entry::key).toList();
  }

  @Test
  void onlyKeysWithABreakerNotClosed_areVisited() {
    RunawayGuard guard = guard();
    ServiceGuard svc = guard.service("svc");
    for (int i = 0; i < 1_000; i++) {
      svc.forKey("k" + i).call(Cost.usd("0.001"), () -> 1);
    }
    ServiceRuntime rt = guard.runtime("svc");
    assertThat(rt.keyBreakersNotClosed()).isZero();
    assertThat(saved(rt, ticker.nanoTime())).isEmpty();

    svc.forKey("k1").breaker().forceOpen("test");
    svc.forKey("k2").breaker().forceOpen("test");
    assertThat(rt.keyBreakersNotClosed()).isEqualTo(2);
    assertThat(saved(rt, ticker.nanoTime())).containsExactly("k1", "k2");

    svc.forKey("k1").breaker().reset();
    assertThat(rt.keyBreakersNotClosed()).isEqualTo(1);
    assertThat(saved(rt, ticker.nanoTime())).containsExactly("k2");

    // An evicted key's breaker is gone with it: neither kept in the set nor saved.
    ticker.advance(Duration.ofHours(2));
    assertThat(rt.keyCount()).isZero();
    assertThat(rt.keyBreakersNotClosed()).isZero();
    assertThat(saved(rt, ticker.nanoTime())).isEmpty();
  }

  @RepeatedTest(5)
  void racingTransitions_leaveEachKeyFiledByItsLastState() throws Exception {
    RunawayGuard guard = guard();
    ServiceGuard svc = guard.service("svc");
    String[] keys = {"a", "b", "c"};
    Race.run(8, t -> {
      for (int i = 0; i < 2_000; i++) {
        CircuitBreaker b = svc.forKey(keys[(t + i) % keys.length]).breaker();
        if ((i + t) % 2 == 0) {
          b.forceOpen("race");
        } else {
          b.reset();
        }
      }
    });
    ServiceRuntime rt = guard.runtime("svc");
    int notClosed = 0;
    for (String k : keys) {
      if (svc.forKey(k).breaker().state() != CircuitBreaker.State.CLOSED) {
        notClosed++;
      }
    }
    assertThat(rt.keyBreakersNotClosed()).isEqualTo(notClosed);
    List<String> expected = new ArrayList<>();
    for (String k : keys) {
      if (svc.forKey(k).breaker().state() != CircuitBreaker.State.CLOSED) {
        expected.add(k);
      }
    }
    assertThat(saved(rt, ticker.nanoTime())).containsExactlyElementsOf(expected);
  }
}
