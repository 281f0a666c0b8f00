package dev.runaway.internal;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.ServiceSnapshot;
import dev.runaway.breaker.CircuitBreaker;
import dev.runaway.ledger.LedgerAccount;
import dev.runaway.ledger.internal.InMemoryLedger;
import dev.runaway.stats.MeterSnapshot;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds {@link ServiceSnapshot}s from a ledger account and a meter; shared by guard and monitor. */
public final class Snapshots {

  private Snapshots() {}

  /**
   * Builds a snapshot.
   *
   * @param service the service
   * @param key the key or {@code null}
   * @param time the wall clock
   * @param account the account, or {@code null} when there are no budgets
   * @param now the ticker's reading
   * @param meter the meter's reading, or {@code null} without a meter
   * @param state the breaker's state
   * @return the snapshot
   */
  public static ServiceSnapshot of(String service, String key, Instant time, LedgerAccount account, long now,
      MeterSnapshot meter, CircuitBreaker.State state) {
    List<ServiceSnapshot.WindowSnapshot> windows = new ArrayList<>();
    double costPerHour = meter == null ? Double.NaN : meter.costPerHour();
    double perNano = Double.isFinite(costPerHour) && costPerHour > 0 ? costPerHour * 1e9 / 3.6e12 : 0;
    Duration tte = null;
    if (account != null) {
      // Headroom leased to the callers' threads is neither spend nor a call in flight: given back,
      // and none taken while the windows are read.
      tte = InMemoryLedger.withoutLeases(account, () -> readWindows(account, now, perNano, windows));
    }
    Cost hour = perNano > 0 ? projection(costPerHour) : Cost.ZERO;
    Cost day = perNano > 0 ? projection(costPerHour * 24) : Cost.ZERO;
    return new ServiceSnapshot(service, key, time, windows, Double.isNaN(costPerHour) ? 0 : costPerHour,
        meter == null ? Double.NaN : meter.baselineCostPerHour(), meter == null ? 0 : meter.callsPerMinute(),
        meter == null ? Double.NaN : meter.baselineCallsPerMinute(), hour, day, tte, state);
  }

  /** A projection in dollars, clamped to what {@link Cost} holds: an absurd rate must not throw. */
  private static Cost projection(double usd) {
    double capped = Math.min(usd, 9.0e9);
    return capped > 0 ? Cost.usd(capped) : Cost.ZERO;
  }

  /**
   * Fills {@code windows} with each budget's window (what it held before is dropped: a read
   * without leases may run more than once); returns the time to exhaustion, or null.
   */
  private static Duration readWindows(LedgerAccount account, long now, double perNano,
      List<ServiceSnapshot.WindowSnapshot> windows) {
    windows.clear();
    Duration tte = null;
    List<Budget> budgets = account.budgets();
    for (int i = 0; i < budgets.size(); i++) {
      long spent = account.spent(i, now);
      long used = account.used(i, now);
      long limit = budgets.get(i).limit().nanos();
      Duration retry = null;
      if (used >= limit) {
        long wait = account.nanosUntilRoom(i, 1, now);
        retry = wait < 0 ? null : Duration.ofNanos(wait);
      }
      windows.add(new ServiceSnapshot.WindowSnapshot(budgets.get(i), Cost.ofNanos(spent),
          Cost.ofNanos(Math.max(0, used - spent)), retry));
      Duration left = null;
      if (used >= limit) {
        left = Duration.ZERO;
      } else if (perNano > 0) {
        left = Duration.ofNanos((long) Math.min(Long.MAX_VALUE / 2.0, (limit - used) / perNano));
      }
      if (left != null && (tte == null || left.compareTo(tte) < 0)) {
        tte = left;
      }
    }
    return tte;
  }
}
