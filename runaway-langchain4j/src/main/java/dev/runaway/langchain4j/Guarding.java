package dev.runaway.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.runaway.loop.RepeatedRequests;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.internal.GuardedCalls;
import dev.runaway.providers.llm.internal.Sdk;
import java.util.ArrayList;
import java.util.List;

/**
 * LangChain4j's side of the two decorators' guarded calls: a request's loop signature and a
 * response's usage. Admission and settlement are {@link GuardedCalls}'.
 */
final class Guarding {

  private Guarding() {
  }

  /**
   * Builds the guarded calls of a model whose default parameters are {@code defaults}: their model
   * name stands in for a request's or a response's missing one.
   */
  static GuardedCalls<ChatRequest, ChatResponse> calls(GuardedCalls.Settings<ChatRequest> settings,
      ChatRequestParameters defaults) {
    String model = defaults == null ? null : defaults.modelName();
    return settings.build("GuardedChatModel", r -> fingerprint(r, model), Guarding::hasUsage, r -> usage(r, model));
  }

  static boolean hasUsage(ChatResponse response) {
    TokenUsage u = response.tokenUsage();
    return u != null && u.inputTokenCount() != null && u.inputTokenCount() > 0;
  }

  /**
   * Normalises LangChain4j's token usage. {@code OpenAiTokenUsage} (and others with
   * {@code inputTokensDetails().cachedTokens()}) counts cached tokens inside the input count;
   * {@code AnthropicTokenUsage} reports cache reads and writes beside it.
   */
  static LlmUsage usage(ChatResponse response, String defaultModel) {
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

  static String fingerprint(ChatRequest request, String defaultModel) {
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
