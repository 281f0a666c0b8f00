package dev.runaway.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ManualTicker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bucket boundaries of the sliding window to the nanosecond, stale ticker readings, and readings
 * anywhere in the {@code long} range (a system ticker's origin is arbitrary).
 */
final class SlidingWindowEdgeTest {

  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  private final BudgetLedger ledger = BudgetLedger.inMemory(ManualTicker.create());

  /** Three one-minute buckets: epochs h-3..h are live, so spend is held 3 to 4 minutes. */
  private LedgerAccount threeMinutes() {
    return ledger.account("svc", null, List.of(Budget.of(Cost.usd("100"), Duration.ofMinutes(3)).withBuckets(3)));
  }

  private static long usd(String s) {
    return Cost.usd(s).nanos();
  }

  @ParameterizedTest
  @ValueSource(longs = {0L, -7L * 60_000_000_000L, 123_456_789_012_345L, -987_654_321_098_765L})
  void spend_leavesExactlyWhenItsBucketLeavesTheWindow(long origin) {
    LedgerAccount a = threeMinutes();
    long t0 = Math.floorDiv(origin, MINUTE) * MINUTE; // start of an epoch

    a.record(usd("1"), t0 + MINUTE - 1); // last nanosecond of epoch 0
    a.record(usd("2"), t0 + MINUTE); // first nanosecond of epoch 1

    // The $1 spent one nanosecond before epoch 1 is held a full window (3 min) and leaves with epoch 0.
    assertThat(a.spent(0, t0 + 4 * MINUTE - 1)).isEqualTo(usd("3"));
    assertThat(a.spent(0, t0 + 4 * MINUTE)).isEqualTo(usd("2"));
    assertThat(a.used(0, t0 + 5 * MINUTE - 1)).isEqualTo(usd("2"));
    assertThat(a.used(0, t0 + 5 * MINUTE)).isZero();
  }

  @Test
  void staleReading_chargesTheNewestBucket_soSpendIsNeverReleasedEarly() {
    LedgerAccount a = threeMinutes();
    long epoch5 = 5 * MINUTE;
    a.record(usd("1"), epoch5 + 10); // another thread already moved the window to epoch 5

    // This thread read the ticker just before, still in epoch 4.
    assertThat(a.tryReserve(usd("1"), epoch5 - 5)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(usd("1"), usd("1"), epoch5 - 5);

    // Charged to epoch 5, not 4: live until epoch 5 is more than a window old (epochs 5..8).
    assertThat(a.spent(0, 9 * MINUTE - 1)).isEqualTo(usd("2"));
    assertThat(a.spent(0, 9 * MINUTE)).isZero();
  }

  @Test
  void readingsAtTheTopOfTheLongRange_doNotOverflow() {
    LedgerAccount a = threeMinutes();

    a.record(usd("1"), Long.MAX_VALUE - 10);
    assertThat(a.tryReserve(usd("1"), Long.MAX_VALUE - 1)).isEqualTo(LedgerAccount.ADMITTED);
    a.commit(usd("1"), usd("1"), Long.MAX_VALUE);

    assertThat(a.spent(0, Long.MAX_VALUE)).isEqualTo(usd("2"));
    assertThat(a.used(0, Long.MAX_VALUE)).isEqualTo(usd("2"));
  }
}
