package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Review (nu84) of 20ae7ee: the "ledger-clock" section's ticker reading is left out of the
 * "changed?" comparison, so it stays at the last write whose spend bytes changed, not the last
 * flush or the stop. The reboot test (a new boot's ticker behind that reading) then misses a
 * reboot whose new process starts later in its boot than that stale reading, and
 * spend is aged by the new boot's ticker as if the old boot's ticker ran on: held up to a whole
 * window after the restart although the wall clock says it left its window before the reboot's end.
 */
final class LedgerClockStampReviewTest extends StateDirFixture {

  private static final Instant BOOT = Instant.parse("2026-03-02T08:00:00Z");

  private RunawayGuard guard(ManualTicker ticker, PersistentLedger ledger) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.hourly(Cost.usd("10"))).breakerEnabled(false))
        .ticker(ticker)
        .ledger(ledger)
        .alertSink(a -> { })
        .build();
  }

  @Test
  void cleanStopThenReboot_spendOlderThanItsWindowByTheWallClock_isNotHeldAnotherWindow() {
    // First boot at 08:00; the service spends its hour's $10 five minutes after boot.
    ManualTicker first = ManualTicker.startingAt(BOOT);
    first.advance(Duration.ofMinutes(5));
    PersistentLedger ledger = ledger(first);
    try (RunawayGuard guard = guard(first, ledger)) {
      guard.call("llm", Cost.usd("10"), () -> "the hour's budget");
      ledger.flush(); // written with the ticker reading 5 min
      // It runs on, idle, flushing every minute, for 45 minutes more, then is stopped cleanly
      // (the machine is rebooted at 08:50).
      for (int i = 0; i < 45; i++) {
        first.advance(Duration.ofMinutes(1));
        ledger.flush();
      }
    }
    // Down for 10 minutes; the new boot starts at 09:00, the service 6 minutes after (09:06):
    // the $10 spent at 08:05 is 61 minutes old by the wall clock, out of its hourly window.
    ManualTicker second = ManualTicker.startingAt(BOOT.plus(Duration.ofMinutes(60)));
    second.advance(Duration.ofMinutes(6));
    try (RunawayGuard guard = guard(second, ledger(second))) {
      int refusedMinutes = minutesRefused(second, 120, () -> guard.call("llm", Cost.usd("1"), () -> "ok"));
      assertThat(refusedMinutes)
          .as("minutes after the restart (09:06) that a budget whose only spend (08:05) left its hourly"
              + " window at 09:05 by the wall clock is still refused")
          .isZero();
    }
  }
}
