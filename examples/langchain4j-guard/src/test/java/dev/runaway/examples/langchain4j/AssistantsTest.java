package dev.runaway.examples.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.runaway.BudgetExceededException;
import dev.runaway.ManualTicker;
import dev.runaway.RunawayGuard;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The example against a loopback OpenAI Chat Completions stub. */
final class AssistantsTest {

  @Test
  void eachUserHasABudgetOfTheirOwn() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", ex -> {
      ex.getRequestBody().readAllBytes();
      calls.incrementAndGet();
      byte[] out = ("{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
          + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],"
          + "\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":50,\"total_tokens\":1050}}").getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().add("Content-Type", "application/json");
      ex.sendResponseHeaders(200, out.length);
      try (OutputStream o = ex.getResponseBody()) {
        o.write(out);
      }
    });
    server.start();
    try (RunawayGuard guard = Assistants.guard(ManualTicker.create())) {
      Assistants assistants = new Assistants(OpenAiChatModel.builder()
          .baseUrl("http://127.0.0.1:" + server.getAddress().getPort() + "/v1").apiKey("k").modelName("gpt-4o-mini")
          .maxRetries(0).build(), guard);
      Assistants.Assistant alice = assistants.forUser("alice");
      // $0.00018 a call (1000 * $0.15 + 50 * $0.60 per MTok), $0.0002 reserved, $0.0004 per user:
      // the first fits (0 + 0.0002), the second too (0.00018 + 0.0002 = 0.00038), the third does not
      // (0.00036 + 0.0002 = 0.00056 > 0.0004).
      assertThat(alice.chat("one")).isEqualTo("ok");
      assertThat(alice.chat("two")).isEqualTo("ok");
      assertThatThrownBy(() -> alice.chat("three")).isInstanceOf(BudgetExceededException.class);
      assertThat(assistants.forUser("bob").chat("one")).isEqualTo("ok");
      assertThat(calls).hasValue(3);
    } finally {
      server.stop(0);
    }
  }
}
