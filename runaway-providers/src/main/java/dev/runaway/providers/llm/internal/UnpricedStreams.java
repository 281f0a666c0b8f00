package dev.runaway.providers.llm.internal;

import dev.runaway.Cost;

/**
 * What an LLM extractor charges for an SDK stream returned from {@code guard.call} (around
 * {@code createStreaming}): its usage arrives only after the call has returned, so the call cannot
 * be priced, and without a charge a loop of such calls would count $0 and never fill a budget.
 *
 * <p>The request is not visible to the extractor (neither the model nor {@code max_tokens}); its
 * price table is. So a recognised stream is bounded ({@link dev.runaway.CostExtractor#upperBoundOf},
 * which the guard charges only to a call that reserved nothing: a service without an estimate
 * whose cost per call is not known yet, and then reserves that much per call) by
 * {@value #INPUT_TOKENS} input and {@value #OUTPUT_TOKENS} output tokens at the dearest model of
 * the table, the same rule as for a model the table lacks. Not a true bound (a long answer costs
 * more), but above a typical chat turn at any listed model. A service estimate
 * ({@code ServicePolicy.Builder.estimate}) replaces it; a price table holding only the models used
 * ({@code OpenAiCosts.extractor(prices)}, {@code AnthropicCosts.extractor(prices)}) lowers it; the
 * stream helpers ({@code OpenAiStreams}, {@code AnthropicStreams}) price each stream exactly.
 */
public final class UnpricedStreams {

  /** Input tokens a recognised stream is charged for. */
  public static final long INPUT_TOKENS = 1_000;
  /** Output tokens a recognised stream is charged for. */
  public static final long OUTPUT_TOKENS = 1_000;

  /** The SDKs' stream types, by name: the SDKs are optional at run time. */
  private static final java.util.Set<String> STREAM_TYPES = java.util.Set.of(
      "com.openai.core.http.StreamResponse", "com.openai.core.http.AsyncStreamResponse",
      "com.anthropic.core.http.StreamResponse", "com.anthropic.core.http.AsyncStreamResponse",
      "com.google.genai.ResponseStream");

  private static final ClassValue<Boolean> IS_STREAM = new ClassValue<>() {
    @Override
    protected Boolean computeValue(Class<?> type) {
      return streamType(type);
    }
  };

  private UnpricedStreams() {}

  /**
   * Whether a result is a stream of the OpenAI, Anthropic or Gemini SDK.
   *
   * @param result the call's result
   * @return whether it is one
   */
  public static boolean isSdkStream(Object result) {
    return result != null && IS_STREAM.get(result.getClass());
  }

  private static boolean streamType(Class<?> type) {
    return sdkType(type) != null;
  }

  /**
   * The SDK's public stream type that {@code type} is or implements (the SDKs return instances of
   * internal classes, such as openai-java's {@code StreamResponseKt$map$1}), or {@code null}.
   */
  private static String sdkType(Class<?> type) {
    for (Class<?> c = type; c != null; c = c.getSuperclass()) {
      if (STREAM_TYPES.contains(c.getName())) {
        return c.getName();
      }
      for (Class<?> i : c.getInterfaces()) {
        String found = sdkType(i);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /**
   * The warning, said once per stream type, for a stream an extractor was handed.
   *
   * @param name the extractor's public class, such as {@code OpenAiCosts}
   * @param result the stream
   * @param charge what such a call is charged when it reserved nothing, or {@code null} for an empty table
   * @param helpers the stream helpers to name, such as {@code OpenAiStreams.chat/responses}
   * @return the message
   */
  public static String warning(String name, Object result, Cost charge, String helpers) {
    String type = sdkType(result.getClass());
    return name + " cannot price a " + (type == null ? result.getClass().getName() : type) + " returned from guard.call: a stream's usage"
        + " arrives only after the call has returned. Each such call is charged the service's estimate, or with"
        + " none " + (charge == null ? "its estimate" : charge) + " (" + INPUT_TOKENS + " input and " + OUTPUT_TOKENS
        + " output tokens at the price table's dearest model), so a loop of them still fills the budget. For exact"
        + " prices guard the stream with " + helpers + " (README, \"LLM calls: streams, prices\"); or set the"
        + " service's estimate(...) to charge that instead.";
  }
}
