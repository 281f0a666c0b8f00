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
 * Review (nu84) of 20ae7ee: saved spend of a key not yet used is aged with the wall clock minus
 * ticker fixed at the start ({@code pendingOffset}). A wall clock that is behind at the start and
 * corrected forwards a minute later (a device without a battery-backed clock restores the time it
 * shut down at, fake-hwclock, until NTP answers; or a clock stepped back between two lives) keeps
 * the keys' saved spend as young as the wrong clock made it: a key first used after the
 * correction finds spend days old still in its hourly window. The previous release re-read the
 * wall clock at the key's first use; saved breakers count a negative wall-clock time as none.
 */
final class PendingClockBehindReviewTest extends StateDirFixture {

  private static final Instant BOOT = Instant.parse("2026-03-02T08:00:00Z");

  private RunawayGuard guard(ManualTicker ticker, PersistentLedger ledger) {
    return RunawayGuard.builder()
        .service("llm", s -> s.budget(Budget.daily(Cost.usd("1000"))).perKeyBudget(Budget.hourly(Cost.usd("2")))
            .breakerEnabled(false))
        .ticker(ticker)
        .ledger(ledger)
        .alertSink(a -> { })
        .build();
  }

  /** Minutes a key's call is refused from now on, one attempt a minute (at most 180). */
  private static int refusedMinutes(RunawayGuard guard, ManualTicker ticker) {
    return minutesRefused(ticker, 180, () -> guard.service("llm").forKey("tenant").call(Cost.usd("1"), () -> "ok"));
  }

  @Test
  void reboot_clockBehindUntilNtp_keyUsedAfterTheCorrection_spendThreeDaysOldIsNotHeld() {
    ManualTicker first = ManualTicker.startingAt(BOOT);
    first.advance(Duration.ofMinutes(10));
    try (RunawayGuard guard = guard(first, ledger(first))) {
      guard.service("llm").forKey("tenant").call(Cost.usd("2"), () -> "the key's hour"); // 08:10
      first.advance(Duration.ofMinutes(5));
    } // stopped at 08:15; the machine is off for three days
    // The new boot's wall clock reads the shutdown time (08:15 three days ago) until NTP answers.
    ManualTicker second = ManualTicker.startingAt(BOOT.plus(Duration.ofMinutes(15)));
    second.advance(Duration.ofMinutes(1));
    try (RunawayGuard guard = guard(second, ledger(second))) {
      second.advance(Duration.ofMinutes(1));
      second.setInstant(second.instant().plus(Duration.ofDays(3))); // NTP: the real time, 3 days later
      second.advance(Duration.ofMinutes(3)); // the key's first call since the restart
      assertThat(refusedMinutes(guard, second))
          .as("minutes a key is refused for $2 it spent three days ago (hourly key budget), after the clock"
              + " was corrected")
          .isZero();
    }
  }

  @Test
  void sameBoot_clockSteppedBackADayBetweenLives_keySpendIsNotHeldPastItsHourByTheTicker() {
    ManualTicker ticker = ManualTicker.startingAt(BOOT.minus(Duration.ofDays(30)));
    ticker.advance(Duration.ofDays(30)); // a machine up for 30 days; 08:00
    try (RunawayGuard guard = guard(ticker, ledger(ticker))) {
      guard.service("llm").forKey("tenant").call(Cost.usd("2"), () -> "the key's hour"); // 08:00
      ticker.advance(Duration.ofMinutes(1));
    }
    // Between the two lives the wall clock is stepped back a day (and stays so); same boot.
    ticker.advance(Duration.ofMinutes(1));
    ticker.setInstant(ticker.instant().minus(Duration.ofDays(1)));
    try (RunawayGuard guard = guard(ticker, ledger(ticker))) {
      ticker.advance(Duration.ofMinutes(88)); // 09:30 by the ticker: the key's first call since the restart
      assertThat(refusedMinutes(guard, ticker))
          .as("minutes a key is refused, 90 monotonic minutes after it spent its hourly $2 (the wall clock was"
              + " stepped back a day between the lives: saved breakers count that as no time, not minus a day)")
          .isZero();
    }
  }
}
