package dev.runaway.examples.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.runaway.BudgetExceededException;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The example against a loopback OpenAI Chat Completions stub. */
final class AssistantsTest {

  @RegisterExtension
  final StubServer openAi = StubServer.start();

  @Test
  void eachUserHasABudgetOfTheirOwn() {
    openAi.fallback(r -> StubResponse.ok("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,"
        + "\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050}}"));
    try (RunawayGuard guard = Assistants.guard(ManualTicker.create())) {
      Assistants assistants = new Assistants(OpenAiChatModel.builder()
          .baseUrl(openAi.baseUrl() + "/v1").apiKey("k").modelName("gpt-4o-mini")
          .maxRetries(0).build(), guard);
      Assistants.Assistant alice = assistants.forUser("alice");
      // $0.00018 a call (1000 * $0.15 + 50 * $0.60 per MTok), $0.0002 reserved, $0.0004 per user:
      // the first fits (0 + 0.0002), the second too (0.00018 + 0.0002 = 0.00038), the third does not
      // (0.00036 + 0.0002 = 0.00056 > 0.0004).
      assertThat(alice.chat("one")).isEqualTo("ok");
      assertThat(alice.chat("two")).isEqualTo("ok");
      assertThatThrownBy(() -> alice.chat("three")).isInstanceOf(BudgetExceededException.class);
      assertThat(assistants.forUser("bob").chat("one")).isEqualTo("ok");
      assertThat(openAi.requests()).hasSize(3);
    }
  }
}
