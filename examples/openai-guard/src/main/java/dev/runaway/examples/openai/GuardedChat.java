package dev.runaway.examples.openai;

import com.openai.client.OpenAIClient;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import dev.runaway.alert.Notifier;
import dev.runaway.providers.openai.OpenAiCosts;
import java.util.Objects;

/**
 * Chat completions through the official OpenAI SDK, behind the guard: before the SDK sends
 * anything the guard reserves the call's expected cost against the service's and the tenant's
 * budgets and checks the breaker; after the reply, {@link OpenAiCosts#extractor()} prices its
 * token usage and that real cost is committed.
 *
 * <p>A refused call throws {@link dev.runaway.BudgetExceededException} or
 * {@link dev.runaway.CircuitOpenException} and never reaches OpenAI. The SDK's own exceptions
 * (such as {@code RateLimitException}) reach the caller unchanged, and cost nothing.
 *
 * <p>Thread-safe, like the client and the guard it holds.
 */
public final class GuardedChat {

  /** The guard's name for the service. */
  public static final String SERVICE = "openai";

  private final OpenAIClient client;
  private final RunawayGuard guard;
  private final ChatModel model;

  /**
   * Creates a guarded chat.
   *
   * @param client the SDK client
   * @param guard a guard that guards {@value #SERVICE}, such as one from {@link #guard(Ticker, Notifier)}
   * @param model the model to ask
   */
  public GuardedChat(OpenAIClient client, RunawayGuard guard, ChatModel model) {
    this.client = Objects.requireNonNull(client, "client");
    this.guard = Objects.requireNonNull(guard, "guard");
    this.model = Objects.requireNonNull(model, "model");
  }

  /**
   * Returns a guard for this example: $1 per sliding hour and $5 per day for the service, $0.50
   * per day for each tenant, an alert above 3x the learned baseline and the breaker above 5x, and
   * the real cost of each reply from {@link OpenAiCosts#extractor()}.
   *
   * @param ticker the clock ({@link Ticker#system()} in production, a {@code ManualTicker} in tests)
   * @param notifier where alerts go
   * @return the guard; close it when done
   */
  public static RunawayGuard guard(Ticker ticker, Notifier notifier) {
    return RunawayGuard.builder()
        .service(SERVICE, s -> s
            .budget(Budget.hourly(Cost.usd("1")))
            .budget(Budget.daily(Cost.usd("5")))
            .perKeyBudget(Budget.daily(Cost.usd("0.50")))
            .spikeMultiplier(3.0)
            .breakerMultiplier(5.0)
            .estimate(Cost.usd("0.002"))
            .costExtractor(OpenAiCosts.extractor()))
        .notifier(notifier)
        .ticker(ticker)
        .build();
  }

  /**
   * Asks one question on behalf of a tenant.
   *
   * @param tenant whose budget pays, such as a customer id
   * @param question the user's message
   * @return the whole reply (its {@code usage} is what was priced)
   * @throws dev.runaway.RunawayException if the guard refused the call; OpenAI was not called
   */
  public ChatCompletion ask(String tenant, String question) {
    ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
        .model(model)
        .addSystemMessage("You are a terse assistant.")
        .addUserMessage(question)
        .maxCompletionTokens(1000)
        .build();
    return guard.service(SERVICE).forKey(tenant).call(() -> client.chat().completions().create(params));
  }

  /**
   * Returns the text of a reply's first choice.
   *
   * @param reply the reply
   * @return the text, empty if the model sent none
   */
  public static String text(ChatCompletion reply) {
    return reply.choices().isEmpty() ? "" : reply.choices().get(0).message().content().orElse("");
  }
}
