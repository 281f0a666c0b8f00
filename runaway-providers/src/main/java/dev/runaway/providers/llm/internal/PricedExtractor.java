package dev.runaway.providers.llm.internal;

import dev.runaway.Cost;
import dev.runaway.PendingCost;
import dev.runaway.internal.WarnOnce;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.TokenPrices;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cost extractor made of a provider's usage reader and a price table. Unknown models and
 * unreadable results are logged at WARN once each and return {@code null}, so the guard commits
 * the reservation's estimate; a call that reserved nothing (no estimate, no cost known yet) is
 * charged the {@linkplain #upperBoundOf upper bound}, the usage at the table's dearest model:
 * never $0. An SDK stream returned from {@code guard.call}, whose usage comes later, is taken over
 * ({@link #settleLater}) and charged its real cost when its usage arrives; where the SDK's stream
 * cannot be wrapped (Gemini's), it is bounded as {@link UnpricedStreams} says.
 *
 * <p>Thread-safe.
 */
public final class PricedExtractor implements QuietCostExtractor {

  private static final Logger LOG = LoggerFactory.getLogger(PricedExtractor.class);

  private final String name;
  private final TokenPrices prices;
  private final Function<Object, LlmUsage> reader;
  private final WarnOnce warnings = new WarnOnce(LOG);
  /** Takes over the SDK's streams returned from guard.call, or {@code null} where the SDK's stream cannot be wrapped. */
  private final BiFunction<Object, PendingCost, Object> streams;

  /**
   * Creates an extractor that does not take streams over.
   *
   * @param name the public class that made it, for log lines (such as {@code GeminiCosts})
   * @param prices the prices
   * @param reader reads a result's usage; returns {@code null} when the result carries none, throws
   *     {@link IllegalArgumentException} for a type it cannot read
   */
  public PricedExtractor(String name, TokenPrices prices, Function<Object, LlmUsage> reader) {
    this(name, prices, reader, null);
  }

  /**
   * Creates an extractor.
   *
   * @param name the public class that made it, for log lines (such as {@code AnthropicCosts})
   * @param prices the prices
   * @param reader reads a result's usage; returns {@code null} when the result carries none, throws
   *     {@link IllegalArgumentException} for a type it cannot read
   * @param streams takes over an SDK stream returned from {@code guard.call}
   *     ({@link dev.runaway.CostExtractor#settleLater}), returning {@code null} for any other result;
   *     or {@code null} when the SDK's streams cannot be taken over (they are then charged as
   *     {@link UnpricedStreams} says, with a warning)
   */
  public PricedExtractor(String name, TokenPrices prices, Function<Object, LlmUsage> reader,
      BiFunction<Object, PendingCost, Object> streams) {
    this.name = name;
    this.prices = prices;
    this.reader = reader;
    this.streams = streams;
  }

  @Override
  public Object settleLater(Object result, PendingCost cost) {
    return streams != null && UnpricedStreams.isSdkStream(result) ? streams.apply(result, cost) : null;
  }

  @Override
  public Cost costOf(Object result) {
    LlmUsage usage = usageOf(result, true);
    return usage == null ? null : price(usage);
  }

  @Override
  public Cost costIfReadable(Object result) {
    LlmUsage usage = usageOf(result, false);
    return usage == null ? null : prices.cost(usage).orElse(null);
  }

  /**
   * The result's usage, or {@code null} when there is none or it cannot be read (said once per
   * type at WARN when {@code warn}: {@link #costOf} says it, {@link #upperBoundOf} comes after it).
   */
  private LlmUsage usageOf(Object result, boolean warn) {
    if (result == null) {
      return null;
    }
    try {
      return reader.apply(result);
    } catch (RuntimeException e) {
      if (warn && UnpricedStreams.isSdkStream(result) && streams == null) {
        warnings.warn("read:" + result.getClass().getName(), "{}", UnpricedStreams.warning(name, result,
            streamCharge(), name.startsWith("Anthropic") ? "AnthropicStreams.messages"
            : name.startsWith("Gemini") ? "GeminiStreams.generateContent"
            : "guard.reserve(...), committing its usage when the stream ends"));
      } else if (warn && !UnpricedStreams.isSdkStream(result)) {
        warnings.warn("read:" + result.getClass().getName(), "{} cannot read the usage of a {} ({}); the call is "
            + "charged as if there were no extractor: its estimate (a service without one: $0, which the guard"
            + " then warns about).{}", name, result.getClass().getName(), e.toString(), Unreadable.hint(result));
      }
      return null;
    }
  }

  /**
   * Bounds the cost of a result whose model the table lacks: its usage priced at every model of
   * the table, the dearest of them (tier discounts left out). A result this cannot read, or one
   * without usage, has none.
   *
   * @param result the call's result
   * @return the bound, or {@code null}
   */
  @Override
  public Cost upperBoundOf(Object result) {
    LlmUsage usage = usageOf(result, false);
    if (usage == null) {
      return UnpricedStreams.isSdkStream(result) ? streamCharge() : null;
    }
    Optional<Cost> known = prices.cost(usage);
    if (known.isPresent()) {
      return known.get();
    }
    return dearest(prices, usage);
  }

  /**
   * What a stream returned from {@code guard.call} is charged when it reserved nothing: see
   * {@link UnpricedStreams}.
   */
  private Cost streamCharge() {
    return dearest(prices, new LlmUsage("(stream)", UnpricedStreams.INPUT_TOKENS, 0, 0, 0,
        UnpricedStreams.OUTPUT_TOKENS, null));
  }

  /**
   * The usage priced at the table's dearest model for it, or {@code null} for an empty table.
   *
   * @param prices the table
   * @param usage the usage
   * @return the most it can have cost at a listed model's prices
   */
  public static Cost dearest(TokenPrices prices, LlmUsage usage) {
    Cost max = null;
    for (TokenPrices.ModelPrice p : prices.models().values()) {
      Cost c = p.cost(usage);
      if (max == null || c.compareTo(max) > 0) {
        max = c;
      }
    }
    return max;
  }

  /**
   * Prices a usage; an unknown model's usage is priced at the table's dearest model instead (the
   * most it can have cost), warning once per unknown model. For callers with no estimate of the
   * user's to charge: a library default would under-count a new, dearer model without bound.
   *
   * @param usage the usage
   * @return the cost, or {@code null} for an empty table
   */
  public Cost priceOrBound(LlmUsage usage) {
    Optional<Cost> cost = prices.cost(usage);
    if (cost.isPresent()) {
      return cost.get();
    }
    Cost bound = dearest(prices, usage);
    warnings.warn("model:" + usage.model(), "{} has no price for model '{}' and no estimate was set, so the call is "
        + "charged {}, its tokens at the table's dearest model, and calls reserve that much until a response is priced."
        + " Add the model with TokenPrices.withModel or a price file (TokenPrices.load), or set estimate(...)", name,
        usage.model(), bound);
    return bound;
  }

  /**
   * Prices a usage, warning once per unknown model.
   *
   * @param usage the usage
   * @return the cost, or {@code null} for an unknown model
   */
  public Cost price(LlmUsage usage) {
    Optional<Cost> cost = prices.cost(usage);
    if (cost.isEmpty()) {
      warnings.warn("model:" + usage.model(), "{} has no price for model '{}'; the call's estimate is charged "
          + "instead (a call that reserved none: its tokens at the table's dearest model). Add it with TokenPrices.withModel or a price file (TokenPrices.load)", name, usage.model());
      return null;
    }
    return cost.get();
  }
}
