package dev.runaway.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.CostExtractor;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.PricedExtractor;
import dev.runaway.providers.llm.internal.Sdk;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Cost extractors for Amazon Bedrock Converse calls guarded by {@code RunawayGuard}: they read a
 * response's {@code TokenUsage} and price it with
 * {@link TokenPrices#bundled(String) TokenPrices.bundled("bedrock")} or a table of your own.
 *
 * <p>A Converse response does not name its model, so an extractor is made for one model id (a
 * guarded service per model, or per inference profile): {@code BedrockCosts.extractor("us.anthropic.claude-sonnet-4-5-20250929-v1:0")}.
 * The geography prefix of an inference profile ({@code us.}, {@code eu.}, {@code global.}, ...) and
 * an ARN's path are dropped before the lookup.
 *
 * <p>Understood results, without depending on the SDK: the AWS SDK's {@code ConverseResponse}
 * (its {@code usage()}) and {@code TokenUsage}; the JSON of a Converse response or of a stream's
 * {@code metadata} event. Billing rules: {@code inputTokens} excludes
 * {@code cacheReadInputTokens} and {@code cacheWriteInputTokens}; each is charged at its own price.
 * An unknown model is logged at WARN once and the guard commits the call's estimate; a call that
 * reserved none (no estimate, no cost known yet) is charged its tokens at the table's dearest model
 * ({@link dev.runaway.CostExtractor#upperBoundOf}): never $0.
 *
 * <p>Thread-safe.
 */
public final class BedrockCosts {

  private static final Pattern GEO = Pattern.compile("^(us|eu|apac|global|jp|au|ca|us-gov)\\.");

  private BedrockCosts() {}

  /**
   * Returns an extractor for one model with the bundled price table.
   *
   * @param modelId the Bedrock model id, inference profile id or ARN the calls use
   * @return the extractor
   */
  public static CostExtractor extractor(String modelId) {
    return extractor(modelId, TokenPrices.bundled("bedrock"));
  }

  /**
   * Returns an extractor for one model with the given prices.
   *
   * @param modelId the Bedrock model id, inference profile id or ARN the calls use
   * @param prices the price table
   * @return the extractor
   */
  public static CostExtractor extractor(String modelId, TokenPrices prices) {
    String model = normalize(Objects.requireNonNull(modelId, "modelId"));
    return new PricedExtractor("BedrockCosts", Objects.requireNonNull(prices, "prices"), r -> usageOf(model, r));
  }

  /**
   * Drops an ARN's path and an inference profile's geography prefix.
   *
   * @param modelId a model id, inference profile id or ARN
   * @return the id looked up in the price table
   */
  public static String normalize(String modelId) {
    String id = modelId.startsWith("arn:") ? modelId.substring(modelId.lastIndexOf('/') + 1) : modelId;
    return GEO.matcher(id).replaceFirst("");
  }

  /**
   * Reads the usage of a Converse result.
   *
   * @param modelId the model the call used
   * @param result a {@code ConverseResponse}, a {@code TokenUsage}, or JSON of either
   * @return the usage, or {@code null} when the result carries none
   * @throws IllegalArgumentException if the result is of a type this cannot read
   */
  public static LlmUsage usageOf(String modelId, Object result) {
    Objects.requireNonNull(result, "result");
    JsonNode n = Sdk.json(result, "a Converse response");
    if (n != null) {
      return fromJson(modelId, n);
    }
    Object usage = Sdk.get(result, "inputTokens") != Sdk.NONE ? result : Sdk.get(result, "usage");
    if (usage == Sdk.NONE) {
      throw new IllegalArgumentException("it has no usage() or inputTokens() accessor");
    }
    if (usage == null) {
      return null;
    }
    return new LlmUsage(modelId, Sdk.count(usage, "inputTokens"), Sdk.count(usage, "cacheReadInputTokens"),
        Sdk.count(usage, "cacheWriteInputTokens"), 0, Sdk.count(usage, "outputTokens"), null);
  }

  private static LlmUsage fromJson(String modelId, JsonNode body) {
    JsonNode n = body.path("metadata").isObject() ? body.path("metadata") : body;
    JsonNode u = n.path("usage");
    if (!u.isObject()) {
      throw new IllegalArgumentException("the JSON has no 'usage' object");
    }
    return new LlmUsage(modelId, Math.max(0, u.path("inputTokens").asLong()),
        Math.max(0, u.path("cacheReadInputTokens").asLong()), Math.max(0, u.path("cacheWriteInputTokens").asLong()),
        0, Math.max(0, u.path("outputTokens").asLong()), null);
  }
}
