package dev.runaway.ledger.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (nu85) of 20ae7ee/0a7d894: saved spend of keys not used yet is written shifted by
 * {@code wallOffset - pendingOffset}. {@code wallOffset} is sticky (re-read only on a step of more
 * than 1 s), but {@code pendingOffset} is {@code wallNow - now} read afresh at each flush (after a
 * reboot, or on the same boot whenever the current offset is the smaller). Two real clocks read one
 * after the other never keep the same difference to the nanosecond (the time between the reads,
 * NTP slewing), so the pending keys' bytes change at every flush and an idle guard rewrites (and
 * fsyncs, and backs up) its state file every flush interval, for as long as any saved key holds spend.
 */
final class IdlePendingRewriteReviewTest extends StateDirFixture {

  private static final Instant BOOT = Instant.parse("2026-03-02T08:00:00Z");

  /** A ManualTicker whose wall clock moves 1 microsecond against the ticker at each read (NTP slew). */
  private static final class SlewingTicker implements Ticker {
    final ManualTicker t;
    long slew;

    SlewingTicker(ManualTicker t) {
      this.t = t;
    }

    @Override
    public long nanoTime() {
      return t.nanoTime();
    }

    @Override
    public synchronized Instant instant() {
      slew += 1_000;
      return t.instant().plusNanos(slew);
    }
  }

  private static final List<Budget> KEY = List.of(Budget.daily(Cost.usd("5")));

  @Test
  void rebootThenIdle_stateFileIsNotRewrittenAtEveryFlush() {
    ManualTicker first = ManualTicker.startingAt(BOOT.minus(Duration.ofDays(3)));
    first.advance(Duration.ofDays(3));
    try (RunawayGuard guard = RunawayGuard.builder()
        .service("llm", s -> s.perKeyBudget(KEY.get(0)).breakerEnabled(false))
        .ticker(first).ledger(ledger(first)).alertSink(a -> { }).build()) {
      guard.service("llm").forKey("tenant").call(Cost.usd("1"), () -> "ok");
      first.advance(Duration.ofSeconds(5));
    }
    // Rebooted 2 hours later; the service starts a minute after the boot and stays idle.
    ManualTicker wall = ManualTicker.startingAt(BOOT.plus(Duration.ofHours(2)));
    wall.advance(Duration.ofMinutes(1));
    SlewingTicker second = new SlewingTicker(wall);
    try (PersistentLedger ledger = PersistentLedger.open(dir, second, scheduler, Duration.ofHours(1))) {
      wall.advance(Duration.ofSeconds(1));
      ledger.flush();
      long before = ledger.writes();
      for (int i = 0; i < 60; i++) { // one idle minute, flushed every second
        wall.advance(Duration.ofSeconds(1));
        ledger.flush();
      }
      assertThat(ledger.writes() - before)
          .as("state-file writes in one idle minute (60 flushes) with one saved key's spend pending")
          .isLessThanOrEqualTo(1);
    }
  }
}
