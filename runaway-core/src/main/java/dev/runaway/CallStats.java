package dev.runaway;

import java.util.Objects;

/**
 * Counts of a service's guarded calls by outcome since the guard was built, and the spend it
 * committed: a read-only snapshot for metrics ({@link RunawayGuard#stats(String)}). Counters
 * only grow; the figures of one snapshot are read one after another without a lock, so under
 * concurrent calls they may be a few calls apart.
 *
 * @param admitted calls admitted (reservations granted), whatever happened next
 * @param refusedByBudget calls refused because a budget had no room
 * @param refusedByBreaker calls refused because a breaker was open (including a call whose own
 *     admission tripped the breaker)
 * @param failed admitted calls that threw (their reservation was released)
 * @param spent spend committed by calls and {@code record}, the service's total (keys included)
 */
public record CallStats(long admitted, long refusedByBudget, long refusedByBreaker, long failed, Cost spent) {

  /** Validates the spend. */
  public CallStats {
    Objects.requireNonNull(spent, "spent");
  }
}
