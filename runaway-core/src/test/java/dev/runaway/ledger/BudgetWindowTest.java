package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

final class BudgetWindowTest {

  private final ManualTicker ticker = ManualTicker.startingAt(Instant.parse("2026-03-07T12:00:00Z"));
  private final BudgetLedger ledger = BudgetLedger.inMemory(ticker);

  private static long usd(String s) {
    return Cost.usd(s).nanos();
  }

  @Test
  void slidingWindow_spendLeavesBucketByBucket() {
    LedgerAccount a = ledger.account("svc", null, List.of(Budget.of(Cost.usd("3"), Duration.ofMinutes(3)).withBuckets(3)));
    a.record(usd("1"), ticker.nanoTime());
    ticker.advance(Duration.ofMinutes(1));
    a.record(usd("1"), ticker.nanoTime());
    ticker.advance(Duration.ofMinutes(1));
    a.record(usd("1"), ticker.nanoTime());
    assertThat(a.tryReserve(usd("0.5"), ticker.nanoTime())).isZero();
    // The first $1 was spent at the start of its minute: it leaves once that whole minute is 3 minutes old.
    assertThat(a.nanosUntilRoom(0, usd("0.5"), ticker.nanoTime())).isEqualTo(Duration.ofMinutes(2).toNanos());
    ticker.advance(Duration.ofMinutes(1));
    assertThat(a.spent(0, ticker.nanoTime())).isEqualTo(usd("3"));
    ticker.advance(Duration.ofMinutes(1));
    assertThat(a.spent(0, ticker.nanoTime())).isEqualTo(usd("2"));
    assertThat(a.tryReserve(usd("1"), ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
    ticker.advance(Duration.ofHours(5));
    // A long idle gap expires everything, including buckets many windows old.
    assertThat(a.spent(0, ticker.nanoTime())).isZero();
    assertThat(a.used(0, ticker.nanoTime())).isEqualTo(usd("1")); // the reservation is still held
    a.release(usd("1"), ticker.nanoTime());
    assertThat(a.used(0, ticker.nanoTime())).isZero();
  }

  @Test
  void calendarDay_resetsAtMidnightInItsZone() {
    ZoneId newYork = ZoneId.of("America/New_York");
    // 2026-03-07T12:00Z is 07:00 in New York; midnight there is 05:00Z on the 8th.
    LedgerAccount a = ledger.account("svc", null, List.of(Budget.calendarDay(Cost.usd("1"), newYork)));
    a.record(usd("1"), ticker.nanoTime());
    assertThat(a.tryReserve(usd("0.1"), ticker.nanoTime())).isZero();
    assertThat(a.nanosUntilRoom(0, usd("0.1"), ticker.nanoTime())).isEqualTo(Duration.ofHours(17).toNanos());
    ticker.advance(Duration.ofHours(16).plusMinutes(59));
    assertThat(a.tryReserve(usd("0.1"), ticker.nanoTime())).isZero();
    ticker.advance(Duration.ofMinutes(1));
    assertThat(a.tryReserve(usd("0.1"), ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
    assertThat(a.spent(0, ticker.nanoTime())).isZero();
  }

  @Test
  void calendarDay_followsAWallClockJump() {
    LedgerAccount a = ledger.account("svc", null, List.of(Budget.calendarDay(Cost.usd("1"), ZoneId.of("UTC"))));
    a.record(usd("1"), ticker.nanoTime());
    ticker.setInstant(Instant.parse("2026-03-08T00:00:01Z"));
    ticker.advance(Duration.ofSeconds(1));
    assertThat(a.tryReserve(usd("0.1"), ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
  }

  @Test
  void reservation_isAtomicAcrossWindows() {
    LedgerAccount a = ledger.account("svc", null,
        List.of(Budget.hourly(Cost.usd("10")), Budget.daily(Cost.usd("1"))));
    assertThat(a.tryReserve(usd("2"), ticker.nanoTime())).isEqualTo(1);
    // The hourly window was not left charged by the refused reservation.
    assertThat(a.used(0, ticker.nanoTime())).isZero();
    assertThat(a.tryReserve(usd("1"), ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
  }

  @Test
  void zeroEstimate_isRefusedByAnExhaustedBudget() {
    LedgerAccount a = ledger.account("svc", null, List.of(Budget.hourly(Cost.usd("1"))));
    assertThat(a.tryReserve(0, ticker.nanoTime())).isEqualTo(LedgerAccount.ADMITTED);
    a.record(usd("1"), ticker.nanoTime());
    assertThat(a.tryReserve(0, ticker.nanoTime())).isZero();
  }
}
