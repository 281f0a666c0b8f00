package dev.runaway.monitor.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ledger.internal.PersistentLedger;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

final class KeptBudgetAlertsTest {

  private static long wall(String instant) {
    return PersistentLedger.epochNanos(Instant.parse(instant));
  }

  @Test
  void aCalendarDayAlertHoldsUntilMidnightInTheBudgetsZone() {
    Budget day = Budget.calendarDay(Cost.usd("100"), ZoneId.of("America/New_York"));
    long raised = wall("2026-01-05T15:00:00Z"); // 10:00 in New York
    assertThat(KeptBudgetAlerts.sameWindow(day, raised, Instant.parse("2026-01-06T04:59:00Z"))).isTrue();
    assertThat(KeptBudgetAlerts.sameWindow(day, raised, Instant.parse("2026-01-06T05:00:00Z")))
        .as("midnight in New York").isFalse();
    assertThat(KeptBudgetAlerts.sameWindow(day, raised, Instant.parse("2026-01-05T04:00:00Z")))
        .as("the day before (a clock set back)").isFalse();
  }

  @Test
  void aSlidingAlertHoldsForTheWindowsLengthFromWhenItWasRaised() {
    Budget hour = Budget.of(Cost.usd("10"), Duration.ofHours(1));
    long raised = wall("2026-01-05T10:00:00Z");
    assertThat(KeptBudgetAlerts.sameWindow(hour, raised, Instant.parse("2026-01-05T10:59:59Z"))).isTrue();
    assertThat(KeptBudgetAlerts.sameWindow(hour, raised, Instant.parse("2026-01-05T11:00:00Z"))).isFalse();
    assertThat(KeptBudgetAlerts.sameWindow(hour, raised, Instant.parse("2026-01-05T09:59:00Z"))).isFalse();
  }

  @Test
  void anEntryHoldsOnlyForABudgetOfTheSameWindowAndLimit() {
    Budget daily = Budget.daily(Cost.usd("100"));
    KeptBudgetAlerts.Entry e = new KeptBudgetAlerts.Entry("alpha", PersistentLedger.spec(daily),
        daily.limit().nanos(), 80, wall("2026-01-05T10:00:00Z"));
    Instant now = Instant.parse("2026-01-05T12:00:00Z");
    assertThat(e.holdsFor(daily, now)).isTrue();
    assertThat(e.holdsFor(Budget.daily(Cost.usd("120")), now)).isFalse();
    assertThat(e.holdsFor(Budget.hourly(Cost.usd("100")), now)).isFalse();
  }

  @Test
  void encodedEntriesDecode_andAnotherVersionIsRefused() throws IOException {
    List<KeptBudgetAlerts.Entry> entries = List.of(
        new KeptBudgetAlerts.Entry("alpha", "sliding:3600000000000", 10_000_000_000L, 80, 1L),
        new KeptBudgetAlerts.Entry("beta", "day:UTC", 5_000_000_000L, 100, 2L));
    byte[] bytes = KeptBudgetAlerts.encode(entries);
    assertThat(KeptBudgetAlerts.decode(bytes)).isEqualTo(entries);
    bytes[3] = 2;
    assertThatThrownBy(() -> KeptBudgetAlerts.decode(bytes)).isInstanceOf(IOException.class)
        .hasMessageContaining("version 2").hasMessageContaining("reads version 1");
  }
}
