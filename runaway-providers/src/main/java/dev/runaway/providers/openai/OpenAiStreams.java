package dev.runaway.providers.openai;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.runaway.Cost;
import dev.runaway.ServiceGuard;
import dev.runaway.providers.llm.internal.GuardedSdkStreams;
import dev.runaway.providers.llm.internal.StreamSettlement;
import java.util.Objects;
import java.util.function.Function;

/**
 * Guarded streaming for the official {@code openai-java} SDK (Chat Completions and Responses).
 *
 * <pre>{@code
 * ServiceGuard llm = guard.service("openai").forKey(userId);
 * try (StreamResponse<ChatCompletionChunk> s = OpenAiStreams.chat(llm, Cost.usd("0.05"), params,
 *         client.chat().completions()::createStreaming)) {
 *   s.stream().forEach(chunk -> ...);          // every chunk unchanged
 * }                                            // committed from the final usage
 * }</pre>
 *
 * <p>Each method reserves {@code estimate} before the request is sent (a refusal throws the
 * guard's {@code RunawayException} and sends nothing), turns {@code stream_options.include_usage}
 * on for Chat Completions (the Responses API always reports usage in {@code response.completed}),
 * passes every chunk through unchanged, and commits the final usage through the service's
 * {@code CostExtractor} ({@link OpenAiCosts#extractor()}) as soon as it arrives. A stream that is
 * closed early, fails mid-stream, or is dropped without being closed is charged its reservation
 * (the final usage, which alone names the prompt tokens, never came): never $0. A request that
 * fails before a stream exists releases its reservation and counts as a failure.
 *
 * <p>The returned streams are as thread-safe as the SDK's.
 */
public final class OpenAiStreams {

  private OpenAiStreams() {}

  /**
   * Returns the params with {@code stream_options.include_usage} on, keeping any other stream options.
   *
   * @param params the request
   * @return the request that reports usage in its last chunk
   */
  public static ChatCompletionCreateParams withUsage(ChatCompletionCreateParams params) {
    ChatCompletionStreamOptions options = params.streamOptions()
        .map(o -> o.toBuilder().includeUsage(true).build())
        .orElseGet(() -> ChatCompletionStreamOptions.builder().includeUsage(true).build());
    return params.toBuilder().streamOptions(options).build();
  }

  /**
   * Streams a chat completion under the guard.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param params the request; {@code include_usage} is turned on
   * @param start starts the stream, such as {@code client.chat().completions()::createStreaming}
   * @return the guarded stream; close it (try-with-resources)
   */
  public static StreamResponse<ChatCompletionChunk> chat(ServiceGuard guard, Cost estimate,
      ChatCompletionCreateParams params, Function<ChatCompletionCreateParams, StreamResponse<ChatCompletionChunk>> start) {
    ChatCompletionCreateParams p = withUsage(Objects.requireNonNull(params, "params"));
    return GuardedSdkStreams.open(StreamResponse.class, guard, estimate, () -> start.apply(p),
        chatTracker());
  }

  /**
   * Streams a chat completion asynchronously under the guard.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param params the request; {@code include_usage} is turned on
   * @param start starts the stream, such as {@code client.async().chat().completions()::createStreaming}
   * @return the guarded stream
   */
  public static AsyncStreamResponse<ChatCompletionChunk> chatAsync(ServiceGuard guard, Cost estimate,
      ChatCompletionCreateParams params,
      Function<ChatCompletionCreateParams, AsyncStreamResponse<ChatCompletionChunk>> start) {
    ChatCompletionCreateParams p = withUsage(Objects.requireNonNull(params, "params"));
    return GuardedSdkStreams.open(AsyncStreamResponse.class, guard, estimate, () -> start.apply(p),
        chatTracker());
  }

  /**
   * Streams a Responses API response under the guard.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param params the request
   * @param start starts the stream, such as {@code client.responses()::createStreaming}
   * @return the guarded stream; close it
   */
  public static StreamResponse<ResponseStreamEvent> responses(ServiceGuard guard, Cost estimate,
      ResponseCreateParams params, Function<ResponseCreateParams, StreamResponse<ResponseStreamEvent>> start) {
    Objects.requireNonNull(params, "params");
    return GuardedSdkStreams.open(StreamResponse.class, guard, estimate, () -> start.apply(params),
        responsesTracker());
  }

  /**
   * Streams a Responses API response asynchronously under the guard.
   *
   * @param guard the service (and key) to charge
   * @param estimate the amount to reserve
   * @param params the request
   * @param start starts the stream, such as {@code client.async().responses()::createStreaming}
   * @return the guarded stream
   */
  public static AsyncStreamResponse<ResponseStreamEvent> responsesAsync(ServiceGuard guard, Cost estimate,
      ResponseCreateParams params, Function<ResponseCreateParams, AsyncStreamResponse<ResponseStreamEvent>> start) {
    Objects.requireNonNull(params, "params");
    return GuardedSdkStreams.open(AsyncStreamResponse.class, guard, estimate, () -> start.apply(params),
        responsesTracker());
  }

  /**
   * Chat completions: the last chunk carries the usage (include_usage) with empty choices; the
   * chunk itself is the result the extractor prices.
   */
  private static LastWithUsage<ChatCompletionChunk> chatTracker() {
    return new LastWithUsage<>(chunk -> chunk.usage().isPresent() ? chunk : null);
  }

  /** Responses: response.completed, response.incomplete and response.failed carry the response with its usage. */
  private static LastWithUsage<ResponseStreamEvent> responsesTracker() {
    return new LastWithUsage<>(e -> e.completed().map(c -> c.response())
        .or(() -> e.incomplete().map(c -> c.response()))
        .or(() -> e.failed().map(c -> c.response()))
        .filter(r -> r.usage().isPresent())
        .orElse(null));
  }

  /** Keeps the last result with usage that a stream's events carried; complete once there is one. */
  private static final class LastWithUsage<E> implements StreamSettlement.Tracker<E> {
    private final Function<E, Object> withUsage;
    private volatile Object last;

    LastWithUsage(Function<E, Object> withUsage) {
      this.withUsage = withUsage;
    }

    @Override
    public void onChunk(E event) {
      Object r = withUsage.apply(event);
      if (r != null) {
        last = r;
      }
    }

    @Override
    public boolean complete() {
      return last != null;
    }

    @Override
    public Object finalResult() {
      return last;
    }

    @Override
    public Cost partialCost() {
      return null;
    }
  }
}
