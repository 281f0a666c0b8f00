package dev.runaway.langchain4j.internal;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.TokenUsage;
import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.internal.ResponseUsageCosts;
import dev.runaway.providers.llm.internal.Sdk;

/**
 * The cost extractor that {@code runaway-langchain4j} registers with {@link java.util.ServiceLoader}
 * (in {@code META-INF/services/dev.runaway.CostExtractor}): a service with budgets but neither a
 * cost extractor nor an estimate has the LangChain4j {@link ChatResponse} a {@code guard.call}
 * returns ({@code guard.call("openai", () -> chatModel.chat(request))}) priced from its token usage
 * by model name with the bundled tables of every provider, as {@code GuardedChatModel} prices its
 * calls, instead of charged $0. Any other result, and a response without usage, is left to the
 * other extractors in silence. Also the usage reading of {@code GuardedChatModel} and
 * {@code GuardedStreamingChatModel}.
 *
 * <p>Thread-safe; the bundled tables are read once.
 */
public final class ChatResponseCosts extends ResponseUsageCosts<ChatResponse> {

  /** Creates the extractor; {@link java.util.ServiceLoader} calls it. */
  public ChatResponseCosts() {
    super("ChatResponseCosts", ChatResponse.class, ChatResponseCosts::hasUsage, r -> usage(r, null));
  }

  /**
   * Whether a response carries usage (some input tokens).
   *
   * @param response the response, or {@code null}
   * @return whether {@link #usage} can read it
   */
  public static boolean hasUsage(ChatResponse response) {
    TokenUsage u = response == null ? null : response.tokenUsage();
    return u != null && u.inputTokenCount() != null && u.inputTokenCount() > 0;
  }

  /**
   * Normalises LangChain4j's token usage. {@code OpenAiTokenUsage} (and others with
   * {@code inputTokensDetails().cachedTokens()}) counts cached tokens inside the input count;
   * {@code AnthropicTokenUsage} reports cache reads and writes beside it.
   *
   * @param response a response that {@linkplain #hasUsage has usage}
   * @param defaultModel the model name when the response has none, or {@code null}
   * @return its usage
   */
  public static LlmUsage usage(ChatResponse response, String defaultModel) {
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
}
