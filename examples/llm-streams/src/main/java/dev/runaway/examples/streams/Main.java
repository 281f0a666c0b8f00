package dev.runaway.examples.streams;

import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import dev.runaway.RunawayGuard;
import dev.runaway.Ticker;

/**
 * Streams one answer from each provider whose key is set ({@code OPENAI_API_KEY},
 * {@code ANTHROPIC_API_KEY}, {@code GOOGLE_API_KEY}) and prints what each cost. Never run by the tests, which run the same
 * code against a loopback server.
 *
 * <p>Run: {@code mvn -q -pl examples/llm-streams exec:java -Dexec.args="your question"}
 */
public final class Main {

  private Main() {}

  /**
   * Runs the example.
   *
   * @param args the question (optional)
   */
  public static void main(String[] args) {
    String q = args.length > 0 ? String.join(" ", args) : "In one sentence: what is a circuit breaker?";
    boolean openai = System.getenv("OPENAI_API_KEY") != null;
    boolean claude = System.getenv("ANTHROPIC_API_KEY") != null;
    boolean gemini = System.getenv("GOOGLE_API_KEY") != null;
    if (!openai && !claude && !gemini) {
      System.err.println("Set OPENAI_API_KEY, ANTHROPIC_API_KEY and/or GOOGLE_API_KEY; the tests run this against a"
          + " loopback stub.");
      System.exit(2);
    }
    try (RunawayGuard guard = StreamingAnswers.guard(Ticker.system())) {
      if (openai) {
        StreamingAnswers.openAi(guard, OpenAIOkHttpClient.fromEnv(), "example-user", q, System.out::print);
        System.out.println("\nOpenAI stream cost: " + guard.snapshot("openai").windows().get(0).spent());
      }
      if (claude) {
        StreamingAnswers.claude(guard, AnthropicOkHttpClient.fromEnv(), "example-user", q, System.out::print);
        System.out.println("\nClaude stream cost: " + guard.snapshot("claude").windows().get(0).spent());
      }
      if (gemini) {
        StreamingAnswers.gemini(guard, new com.google.genai.Client(), "example-user", q, System.out::print);
        System.out.println("\nGemini stream cost: " + guard.snapshot("gemini").windows().get(0).spent());
      }
    }
  }
}
