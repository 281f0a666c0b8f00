package dev.runaway.examples.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.runaway.Budget;
import dev.runaway.Cost;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import dev.runaway.langchain4j.GuardedChatModel;
import dev.runaway.providers.llm.TokenPrices;

/** One AiService per user over one guarded model: every user has an hourly budget of their own. */
public final class Assistants {

  /** The AI service. */
  public interface Assistant {
    /**
     * Answers.
     *
     * @param message the user's message
     * @return the answer
     */
    String chat(String message);
  }

  /** Per-user hourly budget. */
  public static final Cost PER_USER_HOURLY = Cost.usd("0.0004");

  private final GuardedChatModel guarded;

  /**
   * Wraps a model.
   *
   * @param model the model
   * @param guard the guard with an "openai" service
   */
  public Assistants(ChatModel model, RunawayGuard guard) {
    this.guarded = GuardedChatModel.builder(model, guard, "openai").prices(TokenPrices.bundled("openai"))
        .estimate(Cost.usd("0.0002")).build();
  }

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
   * Returns the assistant of one user.
   *
   * @param user the user
   * @return the assistant, charged to the user
   */
  public Assistant forUser(String user) {
    return AiServices.builder(Assistant.class).chatModel(guarded.forKey(user)).build();
  }
}
