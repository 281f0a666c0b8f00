package dev.runaway.springai.internal;

import dev.runaway.providers.llm.LlmUsage;
import dev.runaway.providers.llm.internal.ResponseUsageCosts;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;

/**
 * The cost extractor that {@code runaway-spring-ai} registers with {@link java.util.ServiceLoader}
 * (in {@code META-INF/services/dev.runaway.CostExtractor}): a service with budgets but neither a
 * cost extractor nor an estimate has the Spring AI {@link ChatResponse} a {@code guard.call}
 * returns ({@code guard.call("openai", () -> chatModel.call(prompt))}) priced from its usage by
 * model id with the bundled tables of every provider, as the advisor prices its round trips,
 * instead of charged $0. Any other result, and a response without usage, is left to the other
 * extractors in silence.
 *
 * <p>Thread-safe; the bundled tables are read once.
 */
public final class ChatResponseCosts extends ResponseUsageCosts<ChatResponse> {

  /** Creates the extractor; {@link java.util.ServiceLoader} calls it. */
  public ChatResponseCosts() {
    super("ChatResponseCosts", ChatResponse.class, ChatResponseCosts::hasUsage, ChatResponseCosts::usage);
  }

  /**
   * Whether a response carries usage (some prompt tokens).
   *
   * @param response the response, or {@code null}
   * @return whether {@link #usage} can read it
   */
  public static boolean hasUsage(ChatResponse response) {
    if (response == null || response.getMetadata() == null) {
      return false;
    }
    Usage u = response.getMetadata().getUsage();
    return u != null && u.getPromptTokens() != null && u.getPromptTokens() > 0;
  }

  /**
   * Normalises Spring AI's usage: {@code promptTokens} counts every input token, cache reads and
   * writes included (as OpenAI's does), so fresh input is the rest.
   *
   * @param response a response that {@linkplain #hasUsage has usage}
   * @return its usage
   */
  public static LlmUsage usage(ChatResponse response) {
    Usage u = response.getMetadata().getUsage();
    long prompt = u.getPromptTokens() == null ? 0 : u.getPromptTokens();
    long completion = u.getCompletionTokens() == null ? 0 : u.getCompletionTokens();
    long read = u.getCacheReadInputTokens() == null ? 0 : Math.max(0, u.getCacheReadInputTokens());
    long write = u.getCacheWriteInputTokens() == null ? 0 : Math.max(0, u.getCacheWriteInputTokens());
    read = Math.min(read, prompt);
    write = Math.min(write, prompt - read);
    String model = response.getMetadata().getModel();
    return new LlmUsage(model == null ? "" : model, prompt - read - write, read, write, 0, Math.max(0, completion), null);
  }

  @Override
  public String toString() {
    return "ChatResponseCosts (runaway-spring-ai: Spring AI ChatResponse usage by the bundled price tables)";
  }
}
