package dev.runaway.providers.openai;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.runaway.Cost;
import dev.runaway.CostExtractor;
import dev.runaway.PendingCost;
import dev.runaway.ServiceGuard;
import dev.runaway.providers.llm.internal.GuardedSdkStreams;
import dev.runaway.providers.llm.internal.StreamSettlement;
import dev.runaway.providers.llm.internal.UnpricedStreams;
import dev.runaway.internal.WarnOnce;
import java.util.Objects;
import java.util.function.Function;
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
   * {@code stream_options.include_usage} reports no usage: such a stream, once its answer has
   * finished, is charged what {@link ChatSeen} estimates from its chunks, said once at WARN.
   *
   * @param result the call's result
   * @param cost the call's pending charge
   * @param price prices the tokens of a chat stream that finished without usage (the extractor's table)
   * @return the guarded stream, or {@code null} when {@code result} is no stream of the SDK
   */
  static Object settleLater(Object result, PendingCost cost, SeenPrice price) {
    return GuardedSdkStreams.settleLater(result, cost, () -> anyTracker(price), StreamResponse.class,
        AsyncStreamResponse.class);
  }

  /** Prices the tokens estimated for a chat stream that finished without usage. */
  @FunctionalInterface
  interface SeenPrice {
    /**
     * Returns the cost of the tokens at {@code model}, or at the table's dearest model when it lacks it.
     *
     * @param model the model the chunks name
     * @param tier the service tier the chunks name, or {@code null}
     * @param input input tokens
     * @param output output tokens
     * @return the cost, or {@code null} when the table prices nothing
     */
    Cost of(String model, String tier, long input, long output);
  }

  private static final Logger LOG = LoggerFactory.getLogger(OpenAiStreams.class);
  private static final WarnOnce NO_USAGE = new WarnOnce(LOG);
  /** Prices a stream's final usage for a service that has no extractor (a fixed estimate). */
  private static final CostExtractor BUNDLED = OpenAiCosts.extractor();

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
   * chunks or Responses events, by their type; a chat stream's chunks are also counted
   * ({@link ChatSeen}), to price it if it finishes without usage (include_usage off).
   */
  private static LastWithUsage<Object> anyTracker(SeenPrice price) {
    return new LastWithUsage<>(e -> e instanceof ChatCompletionChunk c ? chatUsage(c)
        : e instanceof ResponseStreamEvent r ? responseUsage(r) : null, new ChatSeen(price));
  }

  /** Keeps the last result with usage that a stream's events carried; complete once there is one. */
  private static final class LastWithUsage<E> implements StreamSettlement.Tracker<E> {
    private final Function<E, Object> withUsage;
    /** Counts a chat stream's chunks (a stream returned from guard.call), or {@code null}. */
    private final ChatSeen seen;
    private volatile Object last;

    LastWithUsage(Function<E, Object> withUsage, ChatSeen seen) {
      this.withUsage = withUsage;
      this.seen = seen;
    }

    @Override
    public void onChunk(E event) {
      Object r = withUsage.apply(event);
      if (r != null) {
        last = r;
      } else if (seen != null && event instanceof ChatCompletionChunk c) {
        seen.add(c);
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

    @Override
    public Cost finalCost() {
      Object r = last;
      return r == null ? null : BUNDLED.costOf(r);
    }

    @Override
    public Cost endedEarlyCost() {
      return seen == null || last != null ? null : seen.endedEarlyCost();
    }

    @Override
    public Cost finishedCost() {
      if (seen == null || last != null) {
        return null;
      }
      Cost c = seen.cost();
      if (c != null) {
        NO_USAGE.warn("include_usage", "A chat completion stream returned from guard.call finished without usage:"
            + " OpenAI reports a stream's usage only when the request sets stream_options.include_usage, so each such"
            + " stream is charged an estimate from what it streamed: {} input tokens (the request is not visible to the"
            + " guard) and its output tokens counted from its chunks (the larger of one per chunk and one per {} ASCII"
            + " characters plus one per {} UTF-8 bytes of other text), at the model its chunks name (the price table's"
            + " dearest when the table lacks it); this one, {}: {}. A long prompt costs more than that allowance and"
            + " hidden reasoning tokens are not seen. Send OpenAiStreams.withUsage(params), or set streamOptions("
            + "ChatCompletionStreamOptions.builder().includeUsage(true).build()), to have each charged its exact cost.",
            UnpricedStreams.INPUT_TOKENS, ChatSeen.ASCII_PER_TOKEN, ChatSeen.BYTES_PER_TOKEN, seen.model(), c);
      }
      return c;
    }
  }

  /**
   * What a chat stream's chunks showed, to price a stream that finished without usage (a request
   * without {@code include_usage}): the model they name and the output they carried (content,
   * refusal, tool-call names and arguments). Output tokens are estimated as the larger of the
   * chunks that carried output (OpenAI sends about one token per chunk) and one token per
   * {@value #ASCII_PER_TOKEN} ASCII characters plus one per {@value #BYTES_PER_TOKEN} UTF-8 bytes
   * of any other character (a CJK character, 3 bytes, counts 1.5 tokens; English prose and code
   * run 3 to 4 characters a token): neither under the usual tokenizations of prose, code or CJK
   * text. Input tokens are {@link UnpricedStreams#INPUT_TOKENS}: the request is not visible.
   *
   * <p>Written by the thread that reads the stream; read when it is settled, after the chunk that
   * finished it (a volatile write).
   */
  static final class ChatSeen {
    /** ASCII characters per output token, at most (English runs about 4, code about 3). */
    static final int ASCII_PER_TOKEN = 3;
    /** UTF-8 bytes of other characters per output token, at most (a common CJK character: 3 bytes, 1 token). */
    static final int BYTES_PER_TOKEN = 2;

    private final SeenPrice price;
    private volatile String model = "";
    private volatile String tier;
    private long chunks;
    private long ascii;
    private long otherBytes;
    private volatile boolean finished;

    ChatSeen(SeenPrice price) {
      this.price = price;
    }

    void add(ChatCompletionChunk chunk) {
      // An OpenAI-compatible server may leave the model out: the chunk's output still counts.
      String m = chunk._model().asString().orElse("");
      if (!m.isEmpty()) {
        model = m;
      }
      chunk.serviceTier().ifPresent(t -> tier = ResponseCostExtractor.modelName(t).toLowerCase(java.util.Locale.ROOT));
      boolean output = false;
      boolean finish = false;
      for (ChatCompletionChunk.Choice choice : chunk.choices()) {
        ChatCompletionChunk.Choice.Delta d = choice.delta();
        output |= count(d.content().orElse(null));
        output |= count(d.refusal().orElse(null));
        for (ChatCompletionChunk.Choice.Delta.ToolCall call : d.toolCalls().orElse(java.util.List.of())) {
          ChatCompletionChunk.Choice.Delta.ToolCall.Function f = call.function().orElse(null);
          if (f != null) {
            output |= count(f.name().orElse(null));
            output |= count(f.arguments().orElse(null));
          }
        }
        finish |= choice.finishReason().isPresent();
      }
      if (output) {
        chunks++;
      }
      if (finish) {
        finished = true;
      }
    }

    private boolean count(String text) {
      if (text == null || text.isEmpty()) {
        return false;
      }
      for (int i = 0; i < text.length(); i++) {
        char ch = text.charAt(i);
        if (ch < 0x80) {
          ascii++;
        } else if (ch < 0x800) {
          otherBytes += 2;
        } else if (Character.isSurrogate(ch)) {
          otherBytes += 2; // a pair, 4 bytes
        } else {
          otherBytes += 3;
        }
      }
      return true;
    }

    /** The output tokens estimated from the chunks. */
    long outputTokens() {
      long byText = (ascii + ASCII_PER_TOKEN - 1) / ASCII_PER_TOKEN + (otherBytes + BYTES_PER_TOKEN - 1) / BYTES_PER_TOKEN;
      return Math.max(chunks, byText);
    }

    String model() {
      return model;
    }

    /**
     * The fixed per-stream amount ({@link UnpricedStreams#INPUT_TOKENS} input and at least
     * {@link UnpricedStreams#OUTPUT_TOKENS} output tokens, more when more were seen) at the model
     * the chunks named, for a stream that ended before it finished; {@code null} when no chunk named
     * a model.
     */
    Cost endedEarlyCost() {
      String m = model;
      if (m.isEmpty()) {
        return null;
      }
      return price.of(m, tier, UnpricedStreams.INPUT_TOKENS, Math.max(UnpricedStreams.OUTPUT_TOKENS, outputTokens()));
    }

    /** The estimated cost of a finished stream, or {@code null} when it did not finish or cannot be priced. */
    Cost cost() {
      if (!finished) {
        return null;
      }
      return price.of(model, tier, UnpricedStreams.INPUT_TOKENS, outputTokens());
    }
  }
}
