package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.LogCapture;
import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.event.Level;

/** Burn-rate baselines kept in the state file: a restart does not start a new warm-up. */
final class BaselinePersistenceTest extends StateDirFixture {

  private RunawayGuard guard(ManualTicker ticker, boolean persistent) {
    RunawayGuard.Builder b = RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.daily(Cost.usd("100"))))
        .ticker(ticker)
        .alertSink(a -> { });
    if (persistent) {
      b.ledger(ledger(ticker));
    }
    return b.build();
  }

  /** A day and an hour of steady traffic, one call a minute: past the default one-day warm-up. */
  private static void steadyDay(RunawayGuard guard, ManualTicker ticker) {
    for (int i = 0; i < 25 * 60; i++) {
      guard.call("openai", Cost.usd("0.01"), () -> "ok");
      ticker.advance(Duration.ofMinutes(1));
    }
  }

  private static void fewCalls(RunawayGuard guard, ManualTicker ticker) {
    for (int i = 0; i < 3; i++) {
      guard.call("openai", Cost.usd("0.01"), () -> "ok");
      ticker.advance(Duration.ofMinutes(1));
    }
  }

  @Test
  void baseline_survivesARestartSoTheWarmUpIsNotRepeated() throws Exception {
    ManualTicker first = ManualTicker.create();
    try (RunawayGuard guard = guard(first, true)) {
      steadyDay(guard, first);
      assertThat(guard.snapshot("openai").baselineReady()).isTrue();
    }
    assertThat(StateFile.decode(Files.readAllBytes(dir.resolve(PersistentLedger.FILE_NAME))).sections())
        .containsKey(PersistentLedger.BASELINES_SECTION);

    ManualTicker second = ManualTicker.startingAt(first.instant().plus(Duration.ofMinutes(2)));
    try (RunawayGuard guard = guard(second, true)) {
      fewCalls(guard, second);
      assertThat(guard.snapshot("openai").baselineReady()).isTrue();
    }
    // The same second life without the state file starts warming up again.
    ManualTicker control = ManualTicker.startingAt(first.instant().plus(Duration.ofMinutes(2)));
    try (RunawayGuard guard = guard(control, false)) {
      fewCalls(guard, control);
      assertThat(guard.snapshot("openai").baselineReady()).isFalse();
    }
  }

  @Test
  void unusableSavedBaseline_isLearnedAfreshWithOneWarning() throws Exception {
    ManualTicker first = ManualTicker.create();
    try (PersistentLedger ledger = ledger(first)) {
      ledger.trackBaseline("openai", null, new Object(), o -> new byte[] {1, 2, 3}); // not a baseline
    }
    assertThat(dir.resolve(PersistentLedger.FILE_NAME)).exists();
    int mark = LogCapture.mark();
    ManualTicker second = ManualTicker.startingAt(first.instant().plusSeconds(5));
    try (RunawayGuard guard = guard(second, true)) {
      fewCalls(guard, second);
      assertThat(guard.snapshot("openai").baselineReady()).isFalse();
    }
    assertThat(LogCapture.since(mark)).filteredOn(e -> e.level() == Level.WARN).singleElement()
        .extracting(LogCapture.Event::message).asString()
        .contains("saved baseline of service openai").contains("learned afresh");
    assertThat(Files.exists(dir.resolve(PersistentLedger.FILE_NAME + PersistentLedger.BAD_SUFFIX))).isFalse();
  }
}
