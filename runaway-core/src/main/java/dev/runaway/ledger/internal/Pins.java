package dev.runaway.ledger.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps the per-key accounts that hold spend strongly reachable, so that a key dropped by the
 * guard (past its {@code maxKeys}, idle expiry) and seen again gets its own account back instead
 * of a fresh budget: eviction never refunds. An account is pinned when spend or a reservation
 * enters it and unpinned by {@link #sweep} once every window is empty; an unpinned account is
 * held only weakly by its ledger and may be collected, which loses nothing.
 *
 * <p>Race-free hand-off: the hot path adds to a window's counter and then reads
 * {@code Account.pinned} (both volatile); {@link #sweep} clears {@code pinned} and then reads the
 * counters, under the account's monitor, which {@link #pin} takes too. So either the hot path sees
 * the cleared flag and pins again, or the sweep sees the spend and keeps the pin.
 *
 * <p>Thread-safe.
 */
final class Pins {

  private final Set<InMemoryLedger.Account> pinned = ConcurrentHashMap.newKeySet();

  /** Pins an account that has just received spend; rare (only on the empty to non-empty edge). */
  void pin(InMemoryLedger.Account a) {
    synchronized (a) {
      if (!a.pinned) {
        a.pinned = true;
        pinned.add(a);
      }
    }
  }

  /**
   * Unpins the accounts whose windows are all empty as of {@code now}.
   *
   * @param now the ticker's reading
   */
  void sweep(long now) {
    for (InMemoryLedger.Account a : pinned) {
      synchronized (a) {
        a.pinned = false;
        if (a.isEmpty(now)) {
          pinned.remove(a);
        } else {
          a.pinned = true;
        }
      }
    }
  }

  /** The number of accounts pinned. */
  int size() {
    return pinned.size();
  }
}
