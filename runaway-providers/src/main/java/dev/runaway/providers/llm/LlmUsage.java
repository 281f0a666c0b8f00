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
}
