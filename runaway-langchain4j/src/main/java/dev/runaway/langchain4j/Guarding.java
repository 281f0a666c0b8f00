package dev.runaway.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.runaway.Cost;
import dev.runaway.Reservation;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceGuard;
import dev.runaway.loop.RepeatedRequests;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.providers.llm.internal.PricedExtractor;
import dev.runaway.providers.llm.internal.Sdk;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/** What the two decorators share: admission (loop signature, reservation) and settlement. */
final class Guarding {

  final RunawayGuard guard;
  final String service;
  final String key;
  final Cost estimate;
  final Function<ChatRequest, String> keys;
  final RepeatedRequests loops;
  final PricedExtractor pricing;
  final String defaultModel;

  Guarding(RunawayGuard guard, String service, String key, Cost estimate, Function<ChatRequest, String> keys,
      RepeatedRequests loops, PricedExtractor pricing, String defaultModel) {
    this.guard = Objects.requireNonNull(guard, "guard");
    this.service = Objects.requireNonNull(service, "service");
    this.key = key;
    this.estimate = Objects.requireNonNull(estimate, "estimate");
    if (estimate.isNegative()) {
      throw new IllegalArgumentException("estimate must not be negative, got " + estimate);
    }
    this.keys = keys;
    this.loops = loops != null ? loops : RepeatedRequests.withDefaults(guard.ticker());
    this.pricing = pricing;
    this.defaultModel = defaultModel;
    guard.service(service); // fails fast on an unknown service
  }

  static PricedExtractor pricing(TokenPrices prices) {
    return prices == null ? null : new PricedExtractor("GuardedChatModel", prices, r -> null);
  }

  Guarding withKey(String k) {
    Objects.requireNonNull(k, "key");
    if (k.isBlank()) {
      throw new IllegalArgumentException("key must not be blank");
    }
    return new Guarding(guard, service, k, estimate, keys, loops, pricing, defaultModel);
  }

  Reservation admit(ChatRequest request) {
    String k = key != null ? key : keys == null ? null : keys.apply(request);
    ServiceGuard g = k == null || k.isBlank() ? guard.service(service) : guard.service(service).forKey(k);
    loops.observe(g.breaker(), k, fingerprint(request));
    return g.reserve(estimate);
  }

  void settle(Reservation r, ChatResponse response, boolean conservative) {
    TokenUsage u = response == null ? null : response.tokenUsage();
    boolean has = u != null && u.inputTokenCount() != null && u.inputTokenCount() > 0;
    if (pricing == null) {
      if (conservative || !has) {
        r.commit(null);
      } else {
        r.commitResult(response);
      }
      return;
    }
    Cost cost = has ? pricing.price(usage(response)) : null;
    if (conservative && cost != null && cost.compareTo(r.estimate()) < 0) {
      cost = null;
    }
    r.commit(cost);
  }

  /**
   * Normalises LangChain4j's token usage. {@code OpenAiTokenUsage} (and others with
   * {@code inputTokensDetails().cachedTokens()}) counts cached tokens inside the input count;
   * {@code AnthropicTokenUsage} reports cache reads and writes beside it.
   */
  LlmUsage usage(ChatResponse response) {
    TokenUsage u = response.tokenUsage();
    long input = u.inputTokenCount() == null ? 0 : Math.max(0, u.inputTokenCount());
    long output = u.outputTokenCount() == null ? 0 : Math.max(0, u.outputTokenCount());
    long read = 0;
    long write = 0;
    if (Sdk.get(u, "cacheReadInputTokens") != Sdk.NONE) {
      read = Sdk.count(u, "cacheReadInputTokens");
      write = Sdk.count(u, "cacheCreationInputTokens");
    } else {
      Object details = Sdk.get(u, "inputTokensDetails");
      long cached = Sdk.present(details) ? Math.min(Sdk.count(details, "cachedTokens"), input) : 0;
      read = cached;
      input -= cached;
    }
    String model = response.modelName() != null ? response.modelName() : defaultModel;
    return new LlmUsage(model == null ? "" : model, input, read, write, 0, output, null);
  }

  String fingerprint(ChatRequest request) {
    List<String> parts = new ArrayList<>();
    parts.add(request.modelName() != null ? request.modelName() : String.valueOf(defaultModel));
    for (ChatMessage m : request.messages()) {
      parts.add(m.type().name());
      parts.add(String.valueOf(m));
    }
    if (request.toolSpecifications() != null) {
      for (ToolSpecification t : request.toolSpecifications()) {
        parts.add(t.name());
      }
    }
    return RepeatedRequests.fingerprint(parts);
  }
}
