package dev.runaway.internal;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.RunawayGuard;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cost extractors registered with {@link java.util.ServiceLoader} as
 * {@code META-INF/services/dev.runaway.CostExtractor} (such as {@code runaway-providers}' pricing of
 * LLM responses): what prices the results of a service that has budgets but neither a cost
 * extractor nor an estimate, whose calls would otherwise be charged $0. Several are asked in the
 * order of their class names; the first that prices a result (or bounds it) answers.
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

  private static CostExtractor find() {
    List<CostExtractor> found = Plugins.load(CostExtractor.class, RunawayGuard.class.getClassLoader(), LOG);
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
        for (CostExtractor x : all) {
          Cost c = x.costOf(result);
          if (c != null) {
            return c;
          }
        }
        return null;
      }

      @Override
      public Cost upperBoundOf(Object result) {
        for (CostExtractor x : all) {
          Cost c = x.upperBoundOf(result);
          if (c != null) {
            return c;
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
