package dev.runaway.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.runaway.Cost;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.loop.RepeatedRequests;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.GuardedCalls;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A LangChain4j {@link StreamingChatModel} that guards every streamed call of the model it wraps,
 * like {@link GuardedChatModel}: a refused call throws the guard's {@code RunawayException} from
 * {@code chat(...)} itself, before the model is called and without calling the handler, so catch
 * it around the call, not only in {@code onError} (which receives the model's own failures).
 * Every partial response passes through unchanged; the complete response's token usage is
 * committed; a stream that fails midway is charged the larger of its estimate and the usage seen:
 * never $0.
 *
 * <p>Thread-safe when the wrapped model is.
 */
public final class GuardedStreamingChatModel implements StreamingChatModel {

  private final StreamingChatModel delegate;
  private final GuardedCalls<ChatRequest, ChatResponse> calls;

  private GuardedStreamingChatModel(StreamingChatModel delegate, GuardedCalls<ChatRequest, ChatResponse> calls) {
    this.delegate = delegate;
    this.calls = calls;
  }

  /**
   * Returns a builder.
   *
   * @param delegate the model to guard
   * @param guard the guard
   * @param service the guarded service its calls are charged to
   * @return the builder
   */
  public static Builder builder(StreamingChatModel delegate, RunawayGuard guard, String service) {
    return new Builder(delegate, guard, service);
  }

  /**
   * Returns the same guarded model charging every call to one key.
   *
   * @param key the key; not blank
   * @return the keyed model
   */
  public GuardedStreamingChatModel forKey(String key) {
    return new GuardedStreamingChatModel(delegate, calls.withKey(key));
  }

  @Override
  public void chat(ChatRequest request, StreamingChatResponseHandler handler) {
    stream(request, handler, h -> delegate.chat(request, h));
  }

  @Override
  public void chat(ChatRequest request, ChatRequestOptions options, StreamingChatResponseHandler handler) {
    stream(request, handler, h -> delegate.chat(request, options, h));
  }

  /** Admits the call and starts the stream with a handler that settles it; a start that throws releases it. */
  private void stream(ChatRequest request, StreamingChatResponseHandler handler,
      Consumer<StreamingChatResponseHandler> start) {
    Reservation r = calls.admit(request);
    StreamingChatResponseHandler h = wrap(r, handler);
    try {
      start.accept(h);
    } catch (RuntimeException | Error e) {
      r.fail(e);
      throw e;
    }
  }

  private StreamingChatResponseHandler wrap(Reservation r, StreamingChatResponseHandler handler) {
    Objects.requireNonNull(handler, "handler");
    AtomicBoolean partial = new AtomicBoolean();
    return new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String text) {
        partial.set(true);
        handler.onPartialResponse(text);
      }

      @Override
      public void onPartialResponse(PartialResponse response, PartialResponseContext context) {
        partial.set(true);
        handler.onPartialResponse(response, context);
      }

      @Override
      public void onPartialThinking(PartialThinking thinking) {
        handler.onPartialThinking(thinking);
      }

      @Override
      public void onPartialThinking(PartialThinking thinking, PartialThinkingContext context) {
        handler.onPartialThinking(thinking, context);
      }

      @Override
      public void onPartialToolCall(PartialToolCall call) {
        handler.onPartialToolCall(call);
      }

      @Override
      public void onPartialToolCall(PartialToolCall call, PartialToolCallContext context) {
        handler.onPartialToolCall(call, context);
      }

      @Override
      public void onCompleteToolCall(CompleteToolCall call) {
        handler.onCompleteToolCall(call);
      }

      @Override
      public void onUnmappedRawEvent(Object event) {
        handler.onUnmappedRawEvent(event);
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        calls.settle(r, response, false);
        handler.onCompleteResponse(response);
      }

      @Override
      public void onError(Throwable error) {
        // Tokens may have been generated and billed: charge conservatively, never $0.
        calls.settle(r, null, true);
        handler.onError(error);
      }
    };
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return delegate.defaultRequestParameters();
  }

  @Override
  public ModelProvider provider() {
    return delegate.provider();
  }

  @Override
  public Set<Capability> supportedCapabilities() {
    return delegate.supportedCapabilities();
  }

  @Override
  public String toString() {
    return "GuardedStreamingChatModel[" + calls.service() + (calls.key() == null ? "" : ", key=" + calls.key())
        + ", " + delegate.getClass().getSimpleName() + "]";
  }

  /** Builds a {@link GuardedStreamingChatModel}. */
  public static final class Builder {
    private final StreamingChatModel delegate;
    private final GuardedCalls.Settings<ChatRequest> settings;

    private Builder(StreamingChatModel delegate, RunawayGuard guard, String service) {
      this.delegate = Objects.requireNonNull(delegate, "delegate");
      this.settings = new GuardedCalls.Settings<>(guard, service, Cost.usd("0.01"), null);
    }

    /**
     * Sets a fixed amount reserved per call. Default: when responses are priced (with
     * {@link #prices}, or by default: see there), the recent priced cost per call (it follows the
     * costs from above, near a high quantile; $0.01 until the first response is priced); otherwise
     * a fixed $0.01. A budget admits calls while their
     * reservations fit, so calls running in parallel that cost more than the reservation can take it
     * over by the difference, each: a fixed estimate should be about the cost of your larger calls.
     *
     * @param estimate not negative
     * @return this builder
     */
    public Builder estimate(Cost estimate) {
      settings.estimate(estimate);
      return this;
    }

    /**
     * Sets how a request's key is found when the model is not bound with {@link #forKey}.
     *
     * @param keys returns the key, or {@code null}
     * @return this builder
     */
    public Builder keyFrom(Function<ChatRequest, String> keys) {
      settings.keyFrom(keys);
      return this;
    }

    /**
     * Sets the loop-signature detector.
     *
     * @param loops the detector
     * @return this builder
     */
    public Builder repeatedRequests(RepeatedRequests loops) {
      settings.repeatedRequests(loops);
      return this;
    }

    /**
     * Prices each response's token usage with this table. Default: a service with a
     * {@code CostExtractor} is given the {@code ChatResponse}; a service without one has the usage
     * priced by model id with every bundled table (OpenAI, Anthropic, Gemini, Bedrock).
     *
     * @param prices the prices
     * @return this builder
     */
    public Builder prices(TokenPrices prices) {
      settings.prices(prices);
      return this;
    }

    /**
     * Builds the model.
     *
     * @return the guarded model
     */
    public GuardedStreamingChatModel build() {
      return new GuardedStreamingChatModel(delegate, Guarding.calls(settings, delegate.defaultRequestParameters()));
    }
  }
}
