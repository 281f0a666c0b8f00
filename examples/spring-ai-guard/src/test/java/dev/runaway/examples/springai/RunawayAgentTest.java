package dev.runaway.examples.springai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.runaway.BudgetExceededException;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/** The agent against a loopback OpenAI stub whose model always calls the tool again. */
final class RunawayAgentTest {

  @Test
  void endlessToolLoop_isStoppedByTheUsersBudget() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      int n = calls.incrementAndGet();
      byte[] out = ("{\"id\":\"c" + n + "\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t" + n
          + "\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"query\\\":\\\"invoice 1987\\\"}\"}}]},"
          + "\"finish_reason\":\"tool_calls\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050}}")
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, out.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(out);
      }
    });
    server.start();
    try (RunawayGuard guard = RunawayAgent.guard(ManualTicker.create())) {
      RunawayAgent agent = new RunawayAgent(OpenAiChatModel.builder().options(OpenAiChatOptions.builder()
          .baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/v1").apiKey("k").model("gpt-4o-mini")
          .maxRetries(0).build()).build(), guard);

      assertThatThrownBy(() -> agent.ask("alice", "find the invoice")).isInstanceOf(BudgetExceededException.class);
      // $0.00018 per round trip (1000 * $0.15 + 50 * $0.60 per MTok), $0.0002 reserved, $0.001 per user:
      // round trip k+1 is sent while k * 0.00018 + 0.0002 <= 0.001, so five are sent.
      assertThat(calls).hasValue(5);
      assertThat(agent.toolCalls()).isEqualTo(5);
    } finally {
      server.stop(0);
    }
  }
}
