package dev.runaway.providers.llm.internal;

import dev.runaway.Cost;

/**
 * The SDK streams an LLM extractor may be handed by {@code guard.call} (around
 * {@code createStreaming}), and the fixed amount such a stream is charged when its real cost
 * cannot be had: its usage arrives only after the call has returned.
 *
 * <p>The OpenAI and Anthropic extractors take such a stream over
 * ({@link dev.runaway.CostExtractor#settleLater}, with {@link GuardedSdkStreams#settleLater}) and
 * charge its real usage when it arrives. The fixed amount, {@value #INPUT_TOKENS} input and
 * {@value #OUTPUT_TOKENS} output tokens at the dearest model of the extractor's table (the request,
 * its model and {@code max_tokens} are not visible to the extractor; its table is), is the stream's
 * {@linkplain dev.runaway.CostExtractor#upperBoundOf upper bound}: what a stream holds while it runs
 * before the service's cost per call is known, and what it is charged then if it ends without its
 * usage (closed early, failed; a Chat Completions stream without {@code include_usage} that
 * finished is priced from its chunks instead, see {@code OpenAiStreams.ChatSeen}). A Gemini {@code ResponseStream} returned from {@code guard.call}, a class that cannot be
 * wrapped ({@code GeminiStreams.generateContent} guards it instead), is charged it when it reserved nothing, with the warning {@link #warning} (the guard
 * then reserves that much per call). Not a true bound (a long answer costs more), but above a
 * typical chat turn at any listed model. A service estimate ({@code ServicePolicy.Builder.estimate})
 * replaces it; a price table holding only the models used ({@code OpenAiCosts.extractor(prices)},
 * {@code AnthropicCosts.extractor(prices)}) lowers it.
 */
public final class UnpricedStreams {

  /** Input tokens of the fixed amount. */
  public static final long INPUT_TOKENS = 1_000;
  /** Output tokens of the fixed amount. */
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
