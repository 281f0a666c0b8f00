package dev.runaway.internal;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.RunawayGuard;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cost extractors registered with {@link java.util.ServiceLoader} as
 * {@code META-INF/services/dev.runaway.CostExtractor} (such as {@code runaway-providers}' pricing of
 * LLM responses): what prices the results of a service that has budgets but neither a cost
 * extractor nor an estimate, whose calls would otherwise be charged $0. Several are asked in the
 * order of their class names; the first that prices a result (or bounds it, or takes it over to
 * settle it later) answers.
 *
 * <p>Looked up once, with the class loader of the library.
 */
public final class DiscoveredCostExtractor {

  private static final Logger LOG = LoggerFactory.getLogger(DiscoveredCostExtractor.class);

  private DiscoveredCostExtractor() {}

  private static final class Holder {
    static final CostExtractor FOUND = find();
  }

  /**
   * Returns the registered extractors as one, or {@code null} when none is registered.
   *
   * @return the extractor or {@code null}
   */
  public static CostExtractor get() {
    return Holder.FOUND;
  }

  /** The first non-null answer of the extractors, in order, or {@code null}. */
  private static Cost first(List<CostExtractor> all, Function<CostExtractor, Cost> ask) {
    for (CostExtractor x : all) {
      Cost c = ask.apply(x);
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  private static CostExtractor find() {
    return combine(Plugins.load(CostExtractor.class, RunawayGuard.class.getClassLoader(), LOG));
  }

  /** The extractors as one: {@code null} for none, the one itself, else the first answer in order. */
  static CostExtractor combine(List<CostExtractor> found) {
    if (found.isEmpty()) {
      return null;
    }
    if (found.size() == 1) {
      return found.get(0);
    }
    List<CostExtractor> all = List.copyOf(found);
    return new CostExtractor() {
      @Override
      public Cost costOf(Object result) {
        return first(all, x -> x.costOf(result));
      }

      @Override
      public Cost upperBoundOf(Object result) {
        return first(all, x -> x.upperBoundOf(result));
      }

      @Override
      public Object settleLater(Object result, dev.runaway.PendingCost cost) {
        // The first that takes the result over; the others never see the pending charge.
        for (CostExtractor x : all) {
          Object later = x.settleLater(result, cost);
          if (later != null) {
            return later;
          }
        }
        return null;
      }

      @Override
      public String toString() {
        return all.toString();
      }
    };
  }
}
