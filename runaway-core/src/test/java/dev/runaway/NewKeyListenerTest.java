package dev.runaway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.testing.LogCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** {@link RunawayGuard#onNewKey} and {@link RunawayGuard#keptKeySnapshot}, for metrics that follow keys. */
final class NewKeyListenerTest {

  private final ManualTicker ticker = ManualTicker.create();

  private RunawayGuard guard() {
    return RunawayGuard.builder()
        .service("openai", s -> s.perKeyBudget(Budget.daily(Cost.usd("1"))).keyIdleExpiry(Duration.ofMinutes(10)))
        .service("plain", s -> s.budget(Budget.daily(Cost.usd("1"))))
        .ticker(ticker).alertSink(a -> { }).build();
  }

  @Test
  void onNewKey_hearsEachKeyOnceAndAgainAfterItsStateWasEvicted() {
    try (RunawayGuard guard = guard()) {
      List<String> heard = new CopyOnWriteArrayList<>();
      guard.onNewKey("openai", heard::add);
      guard.onNewKey("plain", heard::add);
      guard.service("openai").forKey("acme").call(Cost.usd("0.01"), () -> 1);
      guard.service("openai").forKey("acme").call(Cost.usd("0.01"), () -> 1);
      guard.service("openai").forKey("initech").call(Cost.usd("0.01"), () -> 1);
      guard.service("plain").forKey("acme").call(Cost.usd("0.01"), () -> 1);
      assertThat(heard).containsExactly("acme", "initech");

      ticker.advance(Duration.ofMinutes(11));
      assertThat(guard.trackedKeys("openai")).isZero();
      guard.service("openai").forKey("acme").call(Cost.usd("0.01"), () -> 1);
      assertThat(heard).containsExactly("acme", "initech", "acme");
    }
  }

  @Test
  void onNewKey_aListenerThatThrowsNeverFailsTheCallAndIsLoggedOnceAtWarn() {
    try (RunawayGuard guard = guard()) {
      int mark = LogCapture.mark();
      guard.onNewKey("openai", key -> {
        throw new IllegalStateException("listener bug");
      });
      for (String key : List.of("a", "b", "c")) {
        assertThat(guard.service("openai").forKey(key).call(Cost.usd("0.01"), () -> 7)).isEqualTo(7);
      }
      assertThat(LogCapture.sinceOnThisThread(mark)).filteredOn(e -> e.message().contains("new-key listener"))
          .extracting(LogCapture.Event::level).containsExactly(Level.WARN, Level.DEBUG, Level.DEBUG);
    }
  }

  @Test
  void keptKeySnapshot_readsAKeptKeyWithoutKeepingUnknownOnesOrRenewingIdleOnes() {
    try (RunawayGuard guard = guard()) {
      assertThat(guard.keptKeySnapshot("openai", "nobody")).isEmpty();
      assertThat(guard.trackedKeys("openai")).isZero();

      guard.service("openai").forKey("acme").call(Cost.usd("0.25"), () -> 1);
      assertThat(guard.keptKeySnapshot("openai", "acme")).get()
          .satisfies(s -> assertThat(s.windows().get(0).spent()).isEqualTo(Cost.usd("0.25")));
      for (int i = 0; i < 3; i++) {
        ticker.advance(Duration.ofMinutes(4));
        guard.keptKeySnapshot("openai", "acme");
      }
      assertThat(guard.trackedKeys("openai")).isZero();
      assertThat(guard.keptKeySnapshot("openai", "acme")).isEmpty();
    }
  }
}
