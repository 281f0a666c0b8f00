package dev.runaway.providers.llm;

import java.util.Objects;

/**
 * One request's token usage, normalised across providers so that every token is in exactly one
 * billing category: providers count cached tokens differently (Anthropic's {@code input_tokens}
 * excludes cache reads and writes; OpenAI's {@code prompt_tokens} and Gemini's
 * {@code promptTokenCount} include cached tokens), and each provider's reader converts to this.
 *
 * @param model the model id the response names
 * @param inputTokens fresh input tokens: neither read from nor written to a cache
 * @param cacheReadTokens input tokens read from a cache
 * @param cacheWriteTokens input tokens written to a cache (Anthropic: the 5-minute cache)
 * @param cacheWrite1hTokens input tokens written to a 1-hour cache
 * @param outputTokens output tokens, reasoning or thinking tokens included
 * @param serviceTier the service tier the provider reports ({@code standard}, {@code batch},
 *     {@code flex}, {@code priority}), or {@code null}
 *
 * <p>Build one with {@link #of(String, long, long)} and the {@code with...} methods rather than the
 * canonical constructor: a billing category added later becomes one more component, which would
 * break a constructor call but not the factory.
 */
public record LlmUsage(String model, long inputTokens, long cacheReadTokens, long cacheWriteTokens,
    long cacheWrite1hTokens, long outputTokens, String serviceTier) {

  /** Validates the counts. */
  public LlmUsage {
    Objects.requireNonNull(model, "model");
    if (inputTokens < 0 || cacheReadTokens < 0 || cacheWriteTokens < 0 || cacheWrite1hTokens < 0 || outputTokens < 0) {
      throw new IllegalArgumentException("token counts must be zero or more, got input=" + inputTokens + ", cacheRead="
          + cacheReadTokens + ", cacheWrite=" + cacheWriteTokens + ", cacheWrite1h=" + cacheWrite1hTokens
          + ", output=" + outputTokens);
    }
  }

  /**
   * Returns all input tokens of the request (fresh, read from and written to a cache): what a
   * long-context tier's threshold is compared with.
   *
   * @return the prompt size in tokens
   */
  public long promptTokens() {
    return inputTokens + cacheReadTokens + cacheWriteTokens + cacheWrite1hTokens;
  }

  /**
   * Returns the usage of a request without cache or tier: fresh input and output tokens.
   *
   * @param model the model id
   * @param inputTokens fresh input tokens
   * @param outputTokens output tokens
   * @return the usage
   * @throws IllegalArgumentException if a count is negative
   */
  public static LlmUsage of(String model, long inputTokens, long outputTokens) {
    return new LlmUsage(model, inputTokens, 0, 0, 0, outputTokens, null);
  }

  /**
   * Returns a copy with tokens read from a cache.
   *
   * @param tokens input tokens read from a cache
   * @return the copy
   */
  public LlmUsage withCacheRead(long tokens) {
    return new LlmUsage(model, inputTokens, tokens, cacheWriteTokens, cacheWrite1hTokens, outputTokens, serviceTier);
  }

  /**
   * Returns a copy with tokens written to a cache.
   *
   * @param fiveMinutes input tokens written to the 5-minute cache
   * @param oneHour input tokens written to a 1-hour cache
   * @return the copy
   */
  public LlmUsage withCacheWrite(long fiveMinutes, long oneHour) {
    return new LlmUsage(model, inputTokens, cacheReadTokens, fiveMinutes, oneHour, outputTokens, serviceTier);
  }

  /**
   * Returns a copy with the service tier the provider reported.
   *
   * @param tier {@code standard}, {@code batch}, {@code flex}, {@code priority}, or {@code null}
   * @return the copy
   */
  public LlmUsage withServiceTier(String tier) {
    return new LlmUsage(model, inputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens, outputTokens, tier);
  }
}
