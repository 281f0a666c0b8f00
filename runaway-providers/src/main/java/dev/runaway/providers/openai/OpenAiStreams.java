package dev.runaway.providers.openai;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.runaway.Cost;
import dev.runaway.PendingCost;
import dev.runaway.ServiceGuard;
import dev.runaway.providers.llm.internal.GuardedSdkStreams;
import dev.runaway.providers.llm.internal.StreamSettlement;
import dev.runaway.internal.WarnOnce;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
   * Takes over a stream returned from {@code guard.call} around {@code createStreaming} (Chat
   * Completions or Responses, blocking or async), for {@link OpenAiCosts}' extractors
   * ({@link dev.runaway.CostExtractor#settleLater}): the stream guarded as this class's streams
   * are, settling {@code cost} from its final usage. A Chat Completions request sent without
   * {@code stream_options.include_usage} reports no usage: such a stream is charged
   * {@code cost}'s estimate, said once at WARN.
   *
   * @param result the call's result
   * @param cost the call's pending charge
   * @return the guarded stream, or {@code null} when {@code result} is no stream of the SDK
   */
  static Object settleLater(Object result, PendingCost cost) {
    return GuardedSdkStreams.settleLater(result, cost, OpenAiStreams::anyTracker, StreamResponse.class,
        AsyncStreamResponse.class);
  }

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiStreams.class);
  private static final WarnOnce NO_USAGE = new WarnOnce(LOG);

  /** A chat chunk's usage (include_usage: the last chunk, with empty choices); the chunk itself is what the extractor prices. */
  private static Object chatUsage(ChatCompletionChunk chunk) {
    return chunk.usage().isPresent() ? chunk : null;
  }

  /** Responses: response.completed, response.incomplete and response.failed carry the response with its usage. */
  private static Object responseUsage(ResponseStreamEvent e) {
    return e.completed().map(c -> c.response())
        .or(() -> e.incomplete().map(c -> c.response()))
        .or(() -> e.failed().map(c -> c.response()))
        .filter(r -> r.usage().isPresent())
        .orElse(null);
  }

  private static LastWithUsage<ChatCompletionChunk> chatTracker() {
    return new LastWithUsage<>(OpenAiStreams::chatUsage, null);
  }

  private static LastWithUsage<ResponseStreamEvent> responsesTracker() {
    return new LastWithUsage<>(OpenAiStreams::responseUsage, null);
  }

  /**
   * For a stream whose kind the caller did not say (one returned from {@code guard.call}): chat
   * chunks or Responses events, by their type. A chat stream that finished without usage
   * (include_usage off) is said once.
   */
  private static LastWithUsage<Object> anyTracker() {
    return new LastWithUsage<>(e -> e instanceof ChatCompletionChunk c ? chatUsage(c)
        : e instanceof ResponseStreamEvent r ? responseUsage(r) : null,
        e -> e instanceof ChatCompletionChunk c && c.choices().stream().anyMatch(ch -> ch.finishReason().isPresent()));
  }

  /** Keeps the last result with usage that a stream's events carried; complete once there is one. */
  private static final class LastWithUsage<E> implements StreamSettlement.Tracker<E> {
    private final Function<E, Object> withUsage;
    /** Whether an event ends a chat completion (its finish_reason), or {@code null}. */
    private final Predicate<E> finishes;
    private volatile Object last;
    private volatile boolean finished;

    LastWithUsage(Function<E, Object> withUsage, Predicate<E> finishes) {
      this.withUsage = withUsage;
      this.finishes = finishes;
    }

    @Override
    public void onChunk(E event) {
      Object r = withUsage.apply(event);
      if (r != null) {
        last = r;
      } else if (finishes != null && finishes.test(event)) {
        finished = true;
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
      if (finished && last == null) {
        NO_USAGE.warn("include_usage", "A chat completion stream returned from guard.call finished without usage:"
            + " OpenAI reports a stream's usage only when the request sets stream_options.include_usage, so each such"
            + " stream is charged the call's reservation (before any cost per call is known: 1,000 input and 1,000 output tokens at"
            + " the price table's dearest model) instead of its tokens. Send OpenAiStreams.withUsage(params), or set"
            + " streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()), to have each charged"
            + " its real cost.");
      }
      return null;
    }
  }
}
