package dev.runaway.examples.langchain4j;

import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;

/**
 * Chats with the real OpenAI API ({@code OPENAI_API_KEY}) until the user's budget refuses; never
 * run by the tests, which use a loopback stub.
 *
 * <p>Run: {@code mvn -q -pl examples/langchain4j-guard exec:java}
 */
public final class Main {

  private Main() {}

  /**
   * Runs the example.
   *
   * @param args unused
   */
  public static void main(String[] args) {
    String key = System.getenv("OPENAI_API_KEY");
    if (key == null) {
      System.err.println("Set OPENAI_API_KEY; the tests run this against a loopback stub.");
      System.exit(2);
    }
    try (RunawayGuard guard = Assistants.guard(Ticker.system())) {
      Assistants.Assistant a = new Assistants(OpenAiChatModel.builder().apiKey(key).modelName("gpt-4o-mini").build(), guard)
          .forUser("example-user");
      for (int i = 1; i <= 20; i++) {
        try {
          System.out.println(i + ": " + a.chat("Give me fact number " + i + " about circuit breakers, in one line."));
        } catch (RunawayException e) {
          System.out.println("Refused: " + e.getMessage());
          return;
        }
      }
    }
  }
}
