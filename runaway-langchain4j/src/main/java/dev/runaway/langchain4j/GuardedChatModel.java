package dev.runaway.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.loop.RepeatedRequests;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.GuardedCalls;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * A LangChain4j {@link ChatModel} that guards every call of the model it wraps with a
 * {@link RunawayGuard}; usable anywhere a {@code ChatModel} is, {@code AiServices} included.
 * Unlike a {@code ChatModelListener}, whose exceptions LangChain4j logs and ignores, it can refuse:
 * a refused call throws the guard's {@code RunawayException} to the caller and the model is not
 * called.
 *
 * <pre>{@code
 * GuardedChatModel guarded = GuardedChatModel.builder(openAiModel, guard, "openai")
 *     .prices(TokenPrices.bundled("openai")).build();
 * Assistant alice = AiServices.create(Assistant.class, guarded.forKey("alice"));   // per-user budgets
 * }</pre>
 *
 * <p>Each call: the loop signature is checked (the same model, messages and tools sent
 * {@link RepeatedRequests#DEFAULT_MAX_REPEATS} times by one key within 10 minutes trips the
 * breaker with {@code REPEATED_REQUEST}), the estimate (when responses are priced, the recent priced cost per call; else {@code $0.01}) is reserved against
 * the service's budgets and the key's, and the cost read from {@code ChatResponse.tokenUsage()} is
 * committed: priced with the given {@link TokenPrices} ({@code OpenAiTokenUsage}'s cached tokens at
 * the cached price, {@code AnthropicTokenUsage}'s cache reads and writes at theirs), or, without
 * prices, by the service's {@code CostExtractor} given the {@code ChatResponse}, or, when the
 * service has none, by every bundled table (OpenAI, Anthropic, Gemini, Bedrock). A response
 * without usage, or an unknown model, is charged the estimate: never $0. A failed call releases
 * its reservation and counts as a failure. The key is the one of {@link #forKey(String)}, else the
 * builder's {@code keyFrom} function, else none (the whole service).
 *
 * <p>Thread-safe when the wrapped model is.
 */
public final class GuardedChatModel implements ChatModel {

  private final ChatModel delegate;
  private final GuardedCalls<ChatRequest, ChatResponse> calls;

  private GuardedChatModel(ChatModel delegate, GuardedCalls<ChatRequest, ChatResponse> calls) {
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
  public static Builder builder(ChatModel delegate, RunawayGuard guard, String service) {
    return new Builder(delegate, guard, service);
  }

  /**
   * Returns the same guarded model charging every call to one key (tenant, user).
   *
   * @param key the key; not blank
   * @return the keyed model
   */
  public GuardedChatModel forKey(String key) {
    return new GuardedChatModel(delegate, calls.withKey(key));
  }

  @Override
  public ChatResponse chat(ChatRequest request) {
    return calls.call(request, () -> delegate.chat(request), Function.identity());
  }

  @Override
  public ChatResponse chat(ChatRequest request, ChatRequestOptions options) {
    return calls.call(request, () -> delegate.chat(request, options), Function.identity());
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
    return "GuardedChatModel[" + calls.service() + (calls.key() == null ? "" : ", key=" + calls.key()) + ", "
        + delegate.getClass().getSimpleName() + "]";
  }

  /** Builds a {@link GuardedChatModel}. */
  public static final class Builder {
    private final ChatModel delegate;
    private final GuardedCalls.Settings<ChatRequest> settings;

    private Builder(ChatModel delegate, RunawayGuard guard, String service) {
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
     * @param keys returns the key, or {@code null} for the whole service
     * @return this builder
     */
    public Builder keyFrom(Function<ChatRequest, String> keys) {
      settings.keyFrom(keys);
      return this;
    }

    /**
     * Sets the loop-signature detector (default {@link RepeatedRequests#withDefaults} on the guard's ticker).
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
     * priced by model id with every bundled table (OpenAI, Anthropic, Gemini, Bedrock), so that a
     * budget counts real costs with no setting (before, each call was charged a fixed $0.01).
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
     * @throws IllegalArgumentException if the service is not configured or the estimate is negative
     */
    public GuardedChatModel build() {
      return new GuardedChatModel(delegate, Guarding.calls(settings, delegate.defaultRequestParameters()));
    }
  }
}
