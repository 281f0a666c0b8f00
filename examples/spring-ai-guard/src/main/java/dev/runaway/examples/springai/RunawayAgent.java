package dev.runaway.examples.springai;

import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import dev.runaway.providers.llm.TokenPrices;
import dev.runaway.springai.RunawayGuardAdvisor;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.function.FunctionToolCallback;

/**
 * An agent whose tool never gives the model what it wants, so the model keeps calling it: the
 * tool loop every agent framework user has met. {@link RunawayGuardAdvisor}, ordered inside
 * {@code ToolCallingAdvisor}'s loop, stops it when the user's budget is spent.
 */
public final class RunawayAgent {

  /** Per-user hourly budget. */
  public static final Cost PER_USER_HOURLY = Cost.usd("0.001");

  private final ChatClient chat;
  private final AtomicInteger toolCalls = new AtomicInteger();

  /**
   * Creates the agent.
   *
   * @param model the chat model
   * @param guard the guard with an "openai" service
   */
  public RunawayAgent(ChatModel model, RunawayGuard guard) {
    ToolCallback search = FunctionToolCallback.builder("search", (Query q) -> {
      toolCalls.incrementAndGet();
      return "no results for '" + q.query() + "'; try searching again";
    }).description("Searches the archive").inputType(Query.class).build();
    this.chat = ChatClient.builder(model)
        .defaultAdvisors(ToolCallingAdvisor.builder().build(),
            RunawayGuardAdvisor.builder(guard, "openai").prices(TokenPrices.bundled("openai"))
                .estimate(Cost.usd("0.0002")).build())
        .defaultTools(search)
        .build();
  }

  /**
   * The tool's input.
   *
   * @param query what to search
   */
  public record Query(String query) { }

  /**
   * Builds the example's guard.
   *
   * @param ticker the clock
   * @return the guard
   */
  public static RunawayGuard guard(Ticker ticker) {
    return RunawayGuard.builder()
        .service("openai", s -> s.budget(Budget.hourly(Cost.usd("5"))).perKeyBudget(Budget.hourly(PER_USER_HOURLY)))
        .ticker(ticker).build();
  }

  /**
   * Asks on behalf of a user.
   *
   * @param user the user charged
   * @param question the question
   * @return the answer
   */
  public String ask(String user, String question) {
    return chat.prompt().user(question).advisors(a -> a.param(RunawayGuardAdvisor.KEY, user)).call().content();
  }

  /**
   * Returns how often the tool ran.
   *
   * @return the count
   */
  public int toolCalls() {
    return toolCalls.get();
  }
}
