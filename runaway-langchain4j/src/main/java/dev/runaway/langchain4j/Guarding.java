package dev.runaway.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.runaway.langchain4j.internal.ChatResponseCosts;
import dev.runaway.loop.RepeatedRequests;
import dev.runaway.providers.llm.internal.GuardedCalls;
import java.util.ArrayList;
import java.util.List;

/**
 * LangChain4j's side of the two decorators' guarded calls: a request's loop signature, and a
 * response's usage ({@link ChatResponseCosts}). Admission and settlement are {@link GuardedCalls}'.
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
    return settings.build("GuardedChatModel", r -> fingerprint(r, model), ChatResponseCosts::hasUsage,
        r -> ChatResponseCosts.usage(r, model));
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
