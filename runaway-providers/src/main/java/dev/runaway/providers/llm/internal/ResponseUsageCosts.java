package dev.runaway.providers.llm.internal;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.providers.llm.LlmUsage;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A discovered cost extractor ({@code META-INF/services/dev.runaway.CostExtractor}) for one
 * framework's chat response type: a response of that type that carries usage is priced from it by
 * model id with every bundled table ({@link GuardedCalls#allBundled}); any other result, and a
 * response without usage, is left to the other extractors in silence. The integrations' own
 * extractors (Spring AI's, LangChain4j's {@code ChatResponseCosts}) extend it with a no-argument
 * constructor, as {@link java.util.ServiceLoader} needs.
 *
 * <p>Thread-safe; the bundled tables are read once per instance.
 *
 * @param <R> the response type
 */
public abstract class ResponseUsageCosts<R> implements CostExtractor {

  private final Class<R> type;
  private final Predicate<R> hasUsage;
  private final PricedExtractor priced;

  /**
   * Creates the extractor of one response type.
   *
   * @param name the extractor's class name, for log lines
   * @param type the response type it prices
   * @param hasUsage whether a response carries usage that {@code usage} can read
   * @param usage reads a response's usage
   */
  protected ResponseUsageCosts(String name, Class<R> type, Predicate<R> hasUsage, Function<R, LlmUsage> usage) {
    this.type = Objects.requireNonNull(type, "type");
    this.hasUsage = Objects.requireNonNull(hasUsage, "hasUsage");
    Objects.requireNonNull(usage, "usage");
    this.priced = new PricedExtractor(name, GuardedCalls.allBundled(), r -> usage.apply(type.cast(r)));
  }

  @Override
  public final Cost costOf(Object result) {
    return priceable(result) ? priced.costOf(result) : null;
  }

  @Override
  public final Cost upperBoundOf(Object result) {
    return priceable(result) ? priced.upperBoundOf(result) : null;
  }

  private boolean priceable(Object result) {
    return type.isInstance(result) && hasUsage.test(type.cast(result));
  }
}
