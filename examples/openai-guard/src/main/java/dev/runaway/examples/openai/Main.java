package dev.runaway.examples.openai;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.ChatModel;
import com.openai.models.chat.completions.ChatCompletion;
import dev.runaway.RunawayException;
import dev.runaway.RunawayGuard;
import dev.runaway.ServiceSnapshot;
import dev.runaway.Ticker;

/**
 * Asks the real OpenAI API one question through the guard and prints what it cost. Needs
 * {@code OPENAI_API_KEY} (and honours {@code OPENAI_BASE_URL}, {@code OPENAI_ORG_ID},
 * {@code OPENAI_PROJECT_ID}, like the SDK); without it, it says so and exits with 2. Never run
 * by the tests.
 *
 * <p>Run: {@code mvn -q -pl examples/openai-guard exec:java -Dexec.args="What is a circuit breaker?"}
 */
public final class Main {

  private Main() {}

  /**
   * Runs the example.
   *
   * @param args the question (optional)
   */
  public static void main(String[] args) {
    String key = System.getenv("OPENAI_API_KEY");
    if (key == null || key.isBlank()) {
      System.err.println("Set OPENAI_API_KEY to call the real API; the tests run the same code against a"
          + " loopback stub: mvn -pl examples/openai-guard -am verify");
      System.exit(2);
    }
    String question = args.length > 0 ? String.join(" ", args) : "In one sentence: what is a circuit breaker?";
    OpenAIClient client = OpenAIOkHttpClient.fromEnv();
    try (RunawayGuard guard = GuardedChat.guard(Ticker.system(),
        alert -> System.err.println("ALERT " + alert.severity() + " " + alert.type() + ": " + alert.title()))) {
      GuardedChat chat = new GuardedChat(client, guard, ChatModel.GPT_5_4_MINI);
      ChatCompletion reply = chat.ask("example-tenant", question);
      System.out.println(GuardedChat.text(reply));
      ServiceSnapshot s = guard.snapshot(GuardedChat.SERVICE);
      System.out.println();
      System.out.println("Model " + reply.model() + ", usage " + reply.usage().map(Object::toString).orElse("none"));
      System.out.println("Spent this hour: " + s.windows().get(0).spent() + " of " + s.windows().get(0).budget().limit()
          + "; breaker " + s.breakerState());
    } catch (RunawayException e) {
      System.err.println("Refused by the guard: " + e.getMessage());
      System.exit(1);
    } finally {
      client.close();
    }
  }
}
