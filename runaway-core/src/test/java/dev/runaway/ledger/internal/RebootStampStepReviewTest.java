package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (nu85) of 0a7d894: while running, the clock stamp's ticker reading is rounded down to a
 * 10-minute step, and only a clean stop writes it exactly. A process that dies (power cut, kernel
 * panic, OOM reboot) within its boot's first 10 minutes leaves a reading of 0, and every later boot's
 * ticker is at or past 0: the reboot test ({@code startTick >= savedTick}) calls it the same boot.
 * Saved spend is then aged by the new boot's ticker, not the wall clock: spend a day old is held
 * a whole window after the restart (up to the floor). More generally, a crash anywhere in minute
 * [10k, 10k+10) of uptime is taken for the same boot by a new boot whose service starts after
 * minute 10k.
 */
final class RebootStampStepReviewTest extends StateDirFixture {

  private static final Instant BOOT = Instant.parse("2026-03-02T08:00:00Z");

  @TempDir
  Path crashDir;

  private RunawayGuard guard(ManualTicker ticker, PersistentLedger ledger) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).breakerEnabled(false))
        .ticker(ticker)
        .ledger(ledger)
        .alertSink(a -> { })
        .build();
  }

  @Test
  void crashInTheBootsFirstTenMinutes_thenRebootADayLater_dayOldSpendIsNotHeld() throws Exception {
    ManualTicker first = ManualTicker.startingAt(BOOT);
    first.advance(Duration.ofMinutes(2)); // the service starts 2 minutes after boot
    PersistentLedger ledger = ledger(first);
    try (RunawayGuard guard = guard(first, ledger)) {
      guard.call("llm", Cost.usd("10"), () -> "the hour's budget"); // 08:02
      first.advance(Duration.ofMinutes(3));
      ledger.flush(); // 08:05, uptime 5 min: the stamp reads 0
      // The machine dies here (no clean stop): what it leaves is this file.
      Files.copy(ledger.file(), crashDir.resolve(PersistentLedger.FILE_NAME));
    }
    // Rebooted a day later; the service starts 1 minute after the new boot.
    ManualTicker second = ManualTicker.startingAt(BOOT.plus(Duration.ofDays(1)));
    second.advance(Duration.ofMinutes(1));
    try (RunawayGuard guard = guard(second, PersistentLedger.open(crashDir, second, scheduler, Duration.ofHours(1)))) {
      int refusedMinutes = minutesRefused(second, 120, () -> guard.call("llm", Cost.usd("1"), () -> "ok"));
      assertThat(refusedMinutes)
          .as("minutes after a reboot that an hourly budget is refused for $10 spent a day earlier")
          .isZero();
    }
  }
}
