package dev.runaway.providers.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.CostExtractor;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.PricedExtractor;
import dev.runaway.providers.llm.internal.Sdk;
import java.util.Objects;

/**
 * Cost extractors for Anthropic Messages API calls guarded by {@code RunawayGuard}: they read a
 * finished call's {@code usage} and price it with {@link TokenPrices#bundled(String)
 * TokenPrices.bundled("anthropic")} or a table of your own.
 *
 * <p>Understood results, without depending on the SDK: the official {@code anthropic-java} SDK's
 * {@code Message} (read through {@code usage()} and {@code model()}); raw JSON of a message or of
 * a {@code message_start} event, as a {@code String}, a Jackson {@code JsonNode} or a {@code Map}.
 *
 * <p>Billing rules: {@code input_tokens} excludes cached tokens, so it is charged at the input
 * price as is; {@code cache_read_input_tokens} at the cache-read price;
 * {@code cache_creation.ephemeral_5m_input_tokens} and {@code ephemeral_1h_input_tokens} at the
 * 5-minute and 1-hour cache-write prices ({@code cache_creation_input_tokens} at the 5-minute price
 * when the split is absent); output tokens (thinking included) at the output price. A request whose
 * input (all three input counts) exceeds a model's long-context threshold is priced at its
 * long-context tier; {@code service_tier} {@code batch} is charged at half price. An unknown model
 * is logged at WARN once and the guard commits the call's estimate; a call that reserved none (no
 * estimate, no cost known yet) is charged its tokens at the table's dearest model
 * ({@link dev.runaway.CostExtractor#upperBoundOf}): never $0.
 *
 * <p>An SDK stream returned from {@code guard.call} (around {@code createStreaming}, blocking or
 * async) carries no usage when the call returns: the extractor takes it over
 * ({@link dev.runaway.CostExtractor#settleLater}) and {@code guard.call} returns it wrapped, of the
 * same type, charged its real usage at {@code message_stop}, as the streams of
 * {@link AnthropicStreams} are. A stream that ends before (closed early, failed, dropped unread) is
 * charged the larger of the tokens seen and its reservation, or before any cost per call is known,
 * of a fixed amount: 1,000 input and 1,000 output tokens at the table's dearest model (with the
 * bundled table: $0.09, Opus 4/4.1).
 *
 * <p>Thread-safe.
 */
public final class AnthropicCosts {

  private AnthropicCosts() {}

  /**
   * Returns an extractor using the bundled price table.
   *
   * @return the extractor
   */
  public static CostExtractor extractor() {
    return extractor(TokenPrices.bundled("anthropic"));
  }

  /**
   * Returns an extractor using the given prices.
   *
   * @param prices the price table
   * @return the extractor
   */
  public static CostExtractor extractor(TokenPrices prices) {
    // A lambda, not AnthropicStreams::settleLater: that class names the SDK's types, and is loaded
    // only once a result has proved the SDK is there (the SDK is optional).
    return new PricedExtractor("AnthropicCosts", Objects.requireNonNull(prices, "prices"), AnthropicCosts::usageOf,
        (result, cost) -> AnthropicStreams.settleLater(result, cost));
  }

  /**
   * Reads the usage of an Anthropic result.
   *
   * @param result an SDK {@code Message}, or JSON of a message or {@code message_start} event
   * @return the usage, or {@code null} when the result carries none
   * @throws IllegalArgumentException if the result is of a type this cannot read
   */
  public static LlmUsage usageOf(Object result) {
    Objects.requireNonNull(result, "result");
    JsonNode n = Sdk.json(result, "an Anthropic message");
    if (n != null) {
      return fromJson(n);
    }
    Object usage = Sdk.get(result, "usage");
    if (usage == Sdk.NONE) {
      throw new IllegalArgumentException("it has no usage() accessor");
    }
    if (usage == null) {
      return null;
    }
    String model = Sdk.text(result, "model");
    long write5m = Sdk.count(usage, "cacheCreationInputTokens");
    long write1h = 0;
    Object split = Sdk.get(usage, "cacheCreation");
    if (Sdk.present(split)) {
      long five = Sdk.count(split, "ephemeral5mInputTokens");
      long hour = Sdk.count(split, "ephemeral1hInputTokens");
      if (five + hour > 0) {
        write5m = Math.max(five, write5m - hour);
        write1h = hour;
      }
    }
    return new LlmUsage(model == null ? "" : model, Sdk.count(usage, "inputTokens"),
        Sdk.count(usage, "cacheReadInputTokens"), write5m, write1h, Sdk.count(usage, "outputTokens"),
        Sdk.text(usage, "serviceTier"));
  }

  private static LlmUsage fromJson(JsonNode body) {
    JsonNode n = "message_start".equals(body.path("type").asText()) ? body.path("message") : body;
    JsonNode usage = n.path("usage");
    if (!usage.isObject()) {
      if (n.has("model") || n.has("type")) {
        return null;
      }
      throw new IllegalArgumentException("the JSON has no 'usage' object");
    }
    long write5m = Math.max(0, usage.path("cache_creation_input_tokens").asLong());
    long write1h = 0;
    JsonNode split = usage.path("cache_creation");
    if (split.isObject()) {
      long five = Math.max(0, split.path("ephemeral_5m_input_tokens").asLong());
      long hour = Math.max(0, split.path("ephemeral_1h_input_tokens").asLong());
      if (five + hour > 0) {
        write5m = Math.max(five, write5m - hour);
        write1h = hour;
      }
    }
    String tier = usage.path("service_tier").isTextual() ? usage.path("service_tier").asText() : null;
    return new LlmUsage(n.path("model").asText(""), Math.max(0, usage.path("input_tokens").asLong()),
        Math.max(0, usage.path("cache_read_input_tokens").asLong()), write5m, write1h,
        Math.max(0, usage.path("output_tokens").asLong()), tier);
  }
}
