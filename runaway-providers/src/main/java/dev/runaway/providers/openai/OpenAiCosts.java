package dev.runaway.providers.openai;

import dev.runaway.CostExtractor;
import java.util.Objects;

/**
 * Cost extractors for OpenAI calls guarded by {@code RunawayGuard}: they read the token usage of
 * a finished call and price it with {@link OpenAiPrices}.
 *
 * <p>The extractor understands, without depending on the SDK at compile or run time:
 * <ul>
 *   <li>the official {@code openai-java} SDK's {@code ChatCompletion}, {@code Response} and
 *       {@code CreateEmbeddingResponse} (read through their {@code usage()} and {@code model()}
 *       accessors, so any SDK version with those accessors works);
 *   <li>raw JSON bodies of chat completions (also the final streamed chunk that carries usage),
 *       Responses API responses (also a {@code response.completed} event) and embeddings, given
 *       as a {@code String}, a Jackson {@code JsonNode} or a {@code Map}.
 * </ul>
 *
 * <p>Cached input is charged at the cached price, reasoning tokens are output tokens (already
 * inside the output count), a request with more than 272k input tokens is charged the long-context
 * price where the table lists one. A model the table does not know is logged at WARN once per
 * model id and the extractor returns {@code null}, so the guard commits the call's estimate; a
 * call that reserved none (no estimate, no cost known yet) is charged its tokens at the table's
 * dearest model ({@link dev.runaway.CostExtractor#upperBoundOf}): never $0. Results it cannot read also return {@code null} (WARN once per type).
 *
 * <p>An SDK stream returned from {@code guard.call} (around {@code createStreaming}, Chat
 * Completions or Responses, blocking or async) carries no usage when the call returns: the
 * extractor takes it over ({@link dev.runaway.CostExtractor#settleLater}) and {@code guard.call}
 * returns it wrapped, of the same type, charged its real usage when the usage arrives, as the
 * streams of {@link dev.runaway.providers.openai.OpenAiStreams} are. A Chat Completions stream
 * whose request did not set {@code stream_options.include_usage} (OpenAI sends no usage without it)
 * is charged, once its answer has finished, an estimate from its chunks: 1,000 input tokens plus
 * its output tokens (the larger of the chunks that carried output and one token per 3 ASCII
 * characters plus one per 2 UTF-8 bytes of other text) at the model the chunks name, or at the
 * table's dearest model when it lacks it (said once at WARN; a longer prompt and hidden reasoning
 * tokens are not seen: {@link OpenAiStreams#withUsage} gives the exact price). A stream that ends
 * without usage otherwise (closed early, failed) is charged its reservation, or before any cost per
 * call is known, a fixed amount: 1,000 input and 1,000 output tokens at the table's dearest model
 * (with the bundled table: $0.75, o1-pro).
 *
 * <p>The extractors are thread-safe and allocate little; they are meant for the guard's call path.
 */
public final class OpenAiCosts {

  private OpenAiCosts() {}

  /**
   * Returns an extractor using the bundled price table.
   *
   * @return the extractor
   */
  public static CostExtractor extractor() {
    return extractor(OpenAiPrices.bundled());
  }

  /**
   * Returns an extractor using the given prices.
   *
   * @param prices the price table
   * @return the extractor
   */
  public static CostExtractor extractor(OpenAiPrices prices) {
    return new ResponseCostExtractor(Objects.requireNonNull(prices, "prices"));
  }
}
