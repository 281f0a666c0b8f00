package dev.runaway.providers.llm.internal;

import dev.runaway.Cost;
import dev.runaway.CostExtractor;

/**
 * A bundled extractor that can be asked without complaint: an integration that prices a
 * framework's response itself when the service's extractor cannot (Spring AI's
 * {@code ChatResponse} handed to {@code OpenAiCosts}) asks it first this way, since a "cannot
 * read ... the estimate is charged" warning would be wrong there: the response is priced from its
 * usage all the same.
 *
 * <p>Implementations are thread-safe.
 */
public interface QuietCostExtractor extends CostExtractor {

  /**
   * Prices a result as {@link #costOf} does, but returns {@code null} without logging when the
   * result is of a type this cannot read, or names a model it has no price for.
   *
   * @param result the call's result
   * @return the cost, or {@code null}
   */
  Cost costIfReadable(Object result);
}
