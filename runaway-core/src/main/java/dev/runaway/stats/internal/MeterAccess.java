package dev.runaway.stats.internal;

import dev.runaway.stats.BurnRateMeter;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * The guard's access to a burn-rate meter's internals that are not public API: the meter
 * registers it when its class is initialised (so it is there once any meter exists).
 */
public final class MeterAccess {

  private static volatile BiConsumer<BurnRateMeter, StripedCounter> shareCost;

  private MeterAccess() {
  }

  /**
   * Called once by {@link BurnRateMeter}'s class initialiser.
   *
   * @param access sets a meter's cost counter to a view of the given counter
   */
  public static void register(BiConsumer<BurnRateMeter, StripedCounter> access) {
    shareCost = Objects.requireNonNull(access, "access");
  }

  /**
   * Makes a new meter, before it is fed or shared with other threads, read its cost from
   * {@code spend} ({@link StripedCounter#viewOf}) instead of counting it: for a meter whose every
   * cost is added to {@code spend} right after {@link BurnRateMeter#onCost}, and nothing else is.
   *
   * @param meter the meter, not yet fed
   * @param spend the counter its costs are added to
   */
  public static void readCostFrom(BurnRateMeter meter, StripedCounter spend) {
    shareCost.accept(Objects.requireNonNull(meter, "meter"), spend);
  }
}
