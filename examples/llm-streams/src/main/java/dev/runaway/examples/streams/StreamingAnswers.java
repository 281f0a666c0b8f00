package dev.runaway.examples.streams;

import com.anthropic.client.AnthropicClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.google.genai.Client;
import com.google.genai.types.GenerateContentResponse;
import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import dev.runaway.providers.anthropic.AnthropicCosts;
import dev.runaway.providers.anthropic.AnthropicStreams;
import dev.runaway.providers.gemini.GeminiCosts;
import dev.runaway.providers.gemini.GeminiStreams;
import dev.runaway.providers.openai.OpenAiCosts;
import dev.runaway.providers.openai.OpenAiStreams;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Streams answers from OpenAI, Anthropic and Gemini behind one guard: each stream reserves its estimate
 * first, prints tokens as they come, and is charged from its final usage (or conservatively, if
 * the reader stops early).
 */
public final class StreamingAnswers {

  /** Per-user hourly budget of the example. */
  public static final Cost PER_USER_HOURLY = Cost.usd("0.50");

  private StreamingAnswers() {}

  /**
   * Builds the example's guard: "openai", "claude" and "gemini", $5 an hour each, $0.50 per user.
   *
   * @param ticker the clock
   * @return the guard
   */
  public static RunawayGuard guard(Ticker ticker) {
    return RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("5"))).perKeyBudget(Budget.hourly(PER_USER_HOURLY))
            .costExtractor(OpenAiCosts.extractor()))
        .service("claude", s -> s.budget(Budget.hourly(Cost.usd("5"))).perKeyBudget(Budget.hourly(PER_USER_HOURLY))
            .costExtractor(AnthropicCosts.extractor()))
        .service("gemini", s -> s.budget(Budget.hourly(Cost.usd("5"))).perKeyBudget(Budget.hourly(PER_USER_HOURLY))
            .costExtractor(GeminiCosts.extractor()))
        .ticker(ticker)
        .build();
  }

  /**
   * Streams an OpenAI chat answer to {@code out}.
   *
   * @param guard the guard
   * @param client the client
   * @param user the user charged
   * @param question the question
   * @param out receives each piece of text
   */
  public static void openAi(RunawayGuard guard, OpenAIClient client, String user, String question, Consumer<String> out) {
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("gpt-4o-mini")
        .addUserMessage(question).build();
    try (var stream = OpenAiStreams.chat(guard.service("openai").forKey(user), Cost.usd("0.01"), params,
        client.chat().completions()::createStreaming)) {
      stream.stream().flatMap(c -> c.choices().stream()).forEach(c -> c.delta().content().ifPresent(out));
    }
  }

  /**
   * Streams a Claude answer to {@code out}.
   *
   * @param guard the guard
   * @param client the client
   * @param user the user charged
   * @param question the question
   * @param out receives each piece of text
   */
  public static void claude(RunawayGuard guard, AnthropicClient client, String user, String question, Consumer<String> out) {
    MessageCreateParams params = MessageCreateParams.builder().model("claude-haiku-4-5").maxTokens(512)
        .addUserMessage(question).build();
    try (var stream = AnthropicStreams.messages(guard.service("claude").forKey(user), Cost.usd("0.01"), params,
        client.messages()::createStreaming)) {
      stream.stream().forEach(e -> e.contentBlockDelta().flatMap(d -> d.delta().text()).ifPresent(t -> out.accept(t.text())));
    }
  }

  /**
   * Streams a Gemini answer to {@code out}.
   *
   * @param guard the guard
   * @param client the client
   * @param user the user charged
   * @param question the question
   * @param out receives each piece of text
   */
  public static void gemini(RunawayGuard guard, Client client, String user, String question, Consumer<String> out) {
    try (Stream<GenerateContentResponse> stream = GeminiStreams.generateContent(guard.service("gemini").forKey(user),
        Cost.usd("0.01"), () -> client.models.generateContentStream("gemini-2.5-flash", question, null))) {
      stream.map(GenerateContentResponse::text).filter(t -> t != null).forEach(out);
    }
  }
}
