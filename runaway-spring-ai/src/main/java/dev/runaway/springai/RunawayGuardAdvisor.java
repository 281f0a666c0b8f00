package dev.runaway.springai;

import dev.runaway.Cost;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.loop.RepeatedRequests;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.GuardedCalls;
import dev.runaway.springai.internal.ChatResponseCosts;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;

/**
 * A Spring AI advisor that guards every model round trip with a {@link RunawayGuard}: before each
 * request it reserves the estimate against the service's budgets (and the key's) and counts the
 * loop signature of the request it admitted, after it commits the cost read from the {@code ChatResponse} usage. A refused
 * round trip throws the guard's {@code RunawayException} ({@code BudgetExceededException},
 * {@code CircuitOpenException}) to the caller of {@code ChatClient}, and the model is not called.
 *
 * <pre>{@code
 * ChatClient chat = ChatClient.builder(chatModel)
 *     .defaultAdvisors(ToolCallingAdvisor.builder().build(),
 *         RunawayGuardAdvisor.builder(guard, "openai").prices(TokenPrices.bundled("openai")).build())
 *     .build();
 * chat.prompt().user(q).advisors(a -> a.param(RunawayGuardAdvisor.KEY, userId)).call().content();
 * }</pre>
 *
 * <p><b>Inside the tool loop.</b> Its order ({@link #DEFAULT_ORDER}, just before the model) puts it
 * after Spring AI's {@code ToolCallingAdvisor} (order {@code HIGHEST_PRECEDENCE + 300}), which runs
 * the tool-calling loop through the rest of the chain: every round trip of the loop passes this
 * advisor, so a runaway tool loop is stopped mid-loop by the budget, the breaker or the loop
 * signature. (Without {@code ToolCallingAdvisor}, a chat model that runs tools internally shows the
 * advisor one call per prompt.)
 *
 * <p><b>Defaults</b> (each changed on the {@link Builder}): reserved per round trip, the recent
 * priced cost per round trip when responses are priced ({@code $0.01} until the first is priced), else {@code $0.01}; the key is the advise-context attribute {@link #KEY} ({@code "runaway.key"}), no key
 * meaning the whole service; cost from the usage priced with the given {@link TokenPrices}, or,
 * without prices, by the service's {@code CostExtractor} given the {@code ChatResponse}, or, when
 * the service has none, by every bundled table (OpenAI, Anthropic, Gemini, Bedrock); an unknown
 * model or a response without usage is charged the estimate, never $0; loop signatures with
 * {@link RepeatedRequests#withDefaults} (8 identical requests of a key within 10 minutes trip the
 * breaker with {@code REPEATED_REQUEST}; attempts the guard refused are not counted, as they were
 * never sent). A stream is committed when it completes; cancelled or
 * failed it is charged the larger of its estimate and the usage seen.
 *
 * <p>Thread-safe; one instance serves every request.
 */
public final class RunawayGuardAdvisor implements CallAdvisor, StreamAdvisor {

  /** The advise-context attribute naming the key (tenant, user) a request is charged to. */
  public static final String KEY = "runaway.key";

  /** Default order: just before the model, after {@code ToolCallingAdvisor} and memory advisors. */
  public static final int DEFAULT_ORDER = Ordered.LOWEST_PRECEDENCE - 100;

  /** Default estimate reserved per round trip. */
  public static final Cost DEFAULT_ESTIMATE = Cost.usd("0.01");

  private final int order;
  private final GuardedCalls<ChatClientRequest, ChatResponse> calls;

  private RunawayGuardAdvisor(Builder b) {
    this.order = b.order;
    this.calls = b.settings.build("RunawayGuardAdvisor", RunawayGuardAdvisor::fingerprint,
        ChatResponseCosts::hasUsage, ChatResponseCosts::usage);
  }

  /**
   * Creates an advisor with the defaults.
   *
   * @param guard the guard
   * @param service the guarded service the model's calls are charged to
   */
  public RunawayGuardAdvisor(RunawayGuard guard, String service) {
    this(builder(guard, service));
  }

  /**
   * Returns a builder.
   *
   * @param guard the guard
   * @param service the guarded service the model's calls are charged to
   * @return the builder
   */
  public static Builder builder(RunawayGuard guard, String service) {
    return new Builder(guard, service);
  }

  @Override
  public String getName() {
    return "RunawayGuardAdvisor";
  }

  @Override
  public int getOrder() {
    return order;
  }

  @Override
  public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
    return calls.call(request, () -> chain.nextCall(request), ChatClientResponse::chatResponse);
  }

  @Override
  public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
    return Flux.defer(() -> {
      Reservation r = calls.admit(request);
      AtomicReference<ChatResponse> last = new AtomicReference<>();
      return chain.nextStream(request)
          .doOnNext(resp -> {
            ChatResponse cr = resp.chatResponse();
            if (ChatResponseCosts.hasUsage(cr)) {
              last.set(cr);
            }
          })
          .doOnComplete(() -> calls.settle(r, last.get(), false))
          .doOnError(e -> calls.settle(r, last.get(), true))
          .doOnCancel(() -> calls.settle(r, last.get(), true));
    });
  }

  /** Model, every message (type, text, tool calls and results) and the tools offered, hashed. */
  static String fingerprint(ChatClientRequest request) {
    List<String> parts = new ArrayList<>();
    ChatOptions options = request.prompt().getOptions();
    parts.add(options == null ? "" : String.valueOf(options.getModel()));
    for (Message m : request.prompt().getInstructions()) {
      parts.add(m.getMessageType().name());
      parts.add(m.getText());
      if (m instanceof AssistantMessage a && a.hasToolCalls()) {
        for (AssistantMessage.ToolCall c : a.getToolCalls()) {
          parts.add(c.name());
          parts.add(c.arguments());
        }
      }
      if (m instanceof ToolResponseMessage t) {
        for (ToolResponseMessage.ToolResponse tr : t.getResponses()) {
          parts.add(tr.name());
          parts.add(tr.responseData());
        }
      }
    }
    if (options instanceof ToolCallingChatOptions t && t.getToolCallbacks() != null) {
      for (ToolCallback cb : t.getToolCallbacks()) {
        parts.add(cb.getToolDefinition().name());
      }
    }
    return RepeatedRequests.fingerprint(parts);
  }

  @Override
  public String toString() {
    return "RunawayGuardAdvisor[" + calls.service() + ", estimate " + calls.estimate() + ", order " + order + "]";
  }

  /** Builds a {@link RunawayGuardAdvisor}; {@link #build()} copies the settings. */
  public static final class Builder {
    private final GuardedCalls.Settings<ChatClientRequest> settings;
    private int order = DEFAULT_ORDER;

    private Builder(RunawayGuard guard, String service) {
      this.settings = new GuardedCalls.Settings<>(guard, service, DEFAULT_ESTIMATE, r -> {
        Object k = r.context().get(KEY);
        return k == null ? null : k.toString();
      });
    }

    /**
     * Sets a fixed amount reserved per round trip. Default: when responses are priced (with
     * {@link #prices}, or by default: see there), the recent priced cost per round trip (it follows
     * the costs from above, near a high quantile; {@link #DEFAULT_ESTIMATE} until the first
     * response is priced); otherwise a fixed {@link #DEFAULT_ESTIMATE}.
     *
     * @param estimate not negative
     * @return this builder
     */
    public Builder estimate(Cost estimate) {
      settings.estimate(estimate).requireNonNegativeEstimate();
      return this;
    }

    /**
     * Sets the advisor order (default {@link #DEFAULT_ORDER}); keep it above
     * {@code ToolCallingAdvisor}'s so that each round trip of the tool loop is guarded.
     *
     * @param order the order
     * @return this builder
     */
    public Builder order(int order) {
      this.order = order;
      return this;
    }

    /**
     * Sets how a request's key is found (default: the advise-context attribute {@link #KEY}).
     *
     * @param keys returns the key, or {@code null} for the whole service
     * @return this builder
     */
    public Builder keyFrom(Function<ChatClientRequest, String> keys) {
      settings.keyFrom(keys);
      return this;
    }

    /**
     * Sets the loop-signature detector (default {@link RepeatedRequests#withDefaults} on the
     * guard's ticker); {@code RepeatedRequests.builder().maxRepeats(0)} turns it off.
     *
     * @param loops the detector
     * @return this builder
     */
    public Builder repeatedRequests(RepeatedRequests loops) {
      settings.repeatedRequests(loops);
      return this;
    }

    /**
     * Prices each response's usage with this table (such as {@code TokenPrices.bundled("openai")}).
     * Default: a service with a {@code CostExtractor} is given the {@code ChatResponse}; a service
     * without one has the usage priced by model id with every bundled table (OpenAI, Anthropic,
     * Gemini, Bedrock), so that a budget counts real costs with no setting.
     *
     * @param prices the prices
     * @return this builder
     */
    public Builder prices(TokenPrices prices) {
      settings.prices(prices);
      return this;
    }

    /**
     * Builds the advisor.
     *
     * @return the advisor
     * @throws IllegalArgumentException if the service is not configured in the guard
     */
    public RunawayGuardAdvisor build() {
      return new RunawayGuardAdvisor(this);
    }
  }
}
