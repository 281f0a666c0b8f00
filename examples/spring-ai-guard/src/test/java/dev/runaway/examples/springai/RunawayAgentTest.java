package dev.runaway.examples.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.runaway.BudgetExceededException;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import dev.runaway.testing.StubResponse;
import dev.runaway.testing.StubServer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/** The agent against a loopback OpenAI stub whose model always calls the tool again. */
final class RunawayAgentTest {

  @RegisterExtension
  final StubServer openAi = StubServer.start();

  @Test
  void endlessToolLoop_isStoppedByTheUsersBudget() {
    AtomicInteger calls = new AtomicInteger();
    openAi.fallback(r -> {
      int n = calls.incrementAndGet();
      return StubResponse.ok("{\"id\":\"c" + n + "\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t" + n
          + "\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"query\\\":\\\"invoice 1987\\\"}\"}}]},"
          + "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050}}");
    });
    try (RunawayGuard guard = RunawayAgent.guard(ManualTicker.create())) {
      RunawayAgent agent = new RunawayAgent(OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
          .baseUrl(openAi.baseUrl() + "/v1").apiKey("k").model("gpt-4o-mini")
          .maxRetries(0).build()).build(), guard);

      assertThatThrownBy(() -> agent.ask("alice", "find the invoice")).isInstanceOf(BudgetExceededException.class);
      // $0.00018 per round trip (1000 * $0.15 + 50 * $0.60 per MTok), $0.0002 reserved, $0.001 per user:
      // round trip k+1 is sent while k * 0.00018 + 0.0002 <= 0.001, so five are sent.
      assertThat(calls).hasValue(5);
      assertThat(agent.toolCalls()).isEqualTo(5);
    }
  }
}
