package dev.runaway.providers.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.runaway.CostExtractor;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.PricedExtractor;
import dev.runaway.providers.llm.internal.Sdk;
import java.util.Objects;

/**
 * Cost extractors for Google Gemini {@code generateContent} calls guarded by {@code RunawayGuard}:
 * they read a response's {@code usageMetadata} and price it with
 * {@link TokenPrices#bundled(String) TokenPrices.bundled("gemini")} or a table of your own.
 *
 * <p>Understood results, without depending on the SDK: the {@code google-genai} SDK's
 * {@code GenerateContentResponse} (read through {@code usageMetadata()} and {@code modelVersion()});
 * its JSON as a {@code String}, a Jackson {@code JsonNode} or a {@code Map}.
 *
 * <p>Billing rules: {@code promptTokenCount} (plus {@code toolUsePromptTokenCount}) includes
 * {@code cachedContentTokenCount}, so fresh input is the prompt minus the cached tokens, charged
 * at the input price, and cached tokens at the cached price; output is
 * {@code candidatesTokenCount + thoughtsTokenCount} (thinking is billed as output), and tokens that
 * {@code totalTokenCount} counts beyond all of these (a usage block with the total only) are
 * charged as output too, never $0; a prompt above
 * 200,000 tokens is priced at the model's long-context tier for the whole request. An unknown
 * model is logged at WARN once and the guard commits the call's estimate; a call that reserved
 * none (no estimate, no cost known yet) is charged its tokens at the table's dearest model
 * ({@link dev.runaway.CostExtractor#upperBoundOf}): never $0.
 *
 * <p>A {@code ResponseStream} returned from {@code guard.call} (around
 * {@code generateContentStream}) carries no usage when the call returns, and, a class rather than an
 * interface, cannot be wrapped to be priced later as the OpenAI and Anthropic streams are: it is
 * charged the service's estimate, or when the call reserved none, 1,000 input and 1,000 output
 * tokens at the table's dearest model (with the bundled table: $0.014, 3.1 Pro), said once at WARN.
 * For its real cost, stream through {@link GeminiStreams#generateContent} instead.
 *
 * <p>Thread-safe.
 */
public final class GeminiCosts {

  private GeminiCosts() {}

  /**
   * Returns an extractor using the bundled price table.
   *
   * @return the extractor
   */
  public static CostExtractor extractor() {
    return extractor(TokenPrices.bundled("gemini"));
  }

  /**
   * Returns an extractor using the given prices.
   *
   * @param prices the price table
   * @return the extractor
   */
  public static CostExtractor extractor(TokenPrices prices) {
    return new PricedExtractor("GeminiCosts", Objects.requireNonNull(prices, "prices"), GeminiCosts::usageOf);
  }

  /**
   * Reads the usage of a Gemini result.
   *
   * @param result an SDK {@code GenerateContentResponse} or its JSON
   * @return the usage, or {@code null} when the result carries none
   * @throws IllegalArgumentException if the result is of a type this cannot read
   */
  public static LlmUsage usageOf(Object result) {
    Objects.requireNonNull(result, "result");
    JsonNode n = Sdk.json(result, "a Gemini response");
    if (n != null) {
      return fromJson(n);
    }
    Object meta = Sdk.get(result, "usageMetadata");
    if (meta == Sdk.NONE) {
      throw new IllegalArgumentException("it has no usageMetadata() accessor");
    }
    if (meta == null) {
      return null;
    }
    String model = Sdk.text(result, "modelVersion");
    return usage(model, Sdk.count(meta, "promptTokenCount") + Sdk.count(meta, "toolUsePromptTokenCount"),
        Sdk.count(meta, "cachedContentTokenCount"),
        Sdk.count(meta, "candidatesTokenCount") + Sdk.count(meta, "thoughtsTokenCount"),
        Sdk.count(meta, "totalTokenCount"));
  }

  private static LlmUsage fromJson(JsonNode n) {
    JsonNode meta = n.path("usageMetadata");
    if (!meta.isObject()) {
      if (n.has("candidates") || n.has("modelVersion")) {
        return null;
      }
      throw new IllegalArgumentException("the JSON has no 'usageMetadata' object");
    }
    return usage(n.path("modelVersion").asText(""),
        Math.max(0, meta.path("promptTokenCount").asLong()) + Math.max(0, meta.path("toolUsePromptTokenCount").asLong()),
        Math.max(0, meta.path("cachedContentTokenCount").asLong()),
        Math.max(0, meta.path("candidatesTokenCount").asLong()) + Math.max(0, meta.path("thoughtsTokenCount").asLong()),
        Math.max(0, meta.path("totalTokenCount").asLong()));
  }

  /**
   * The usage of a request: {@code total} is {@code totalTokenCount}, the sum of the other counts
   * on the wire. Tokens it counts beyond them (a usage block with the total only, or thinking
   * counted in the total but not reported apart) are charged as output, the dearer side: spend
   * that is counted is never priced at $0.
   */
  private static LlmUsage usage(String model, long prompt, long cached, long output, long total) {
    long c = Math.min(cached, prompt);
    long unaccounted = total - prompt - output;
    if (unaccounted > 0) {
      output += unaccounted;
    }
    return LlmUsage.of(model == null ? "" : model, prompt - c, output).withCacheRead(c);
  }
}
