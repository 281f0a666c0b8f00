package dev.runaway.examples.springai;

import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Runs the runaway agent against the real OpenAI API ({@code OPENAI_API_KEY}); never run by the
 * tests, which run it against a loopback stub that always asks for the tool again.
 *
 * <p>Run: {@code mvn -q -pl examples/spring-ai-guard exec:java}
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
    try (RunawayGuard guard = RunawayAgent.guard(Ticker.system())) {
      RunawayAgent agent = new RunawayAgent(OpenAiChatModel.builder()
          .options(OpenAiChatOptions.builder().apiKey(key).model("gpt-4o-mini").build()).build(), guard);
      try {
        System.out.println(agent.ask("example-user", "Find the 1987 invoice. Keep searching until you find it."));
      } catch (RunawayException e) {
        System.out.println("Stopped by the guard after " + agent.toolCalls() + " tool calls: " + e.getMessage());
      }
    }
  }
}
